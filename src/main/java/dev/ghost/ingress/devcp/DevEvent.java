package dev.ghost.ingress.devcp;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One event of the dev control plane's log. The payload is kept in the canonical (legacy) form: snake_case keys,
 * short enums ({@code tls_passthrough}, {@code v2}), every field present; {@link PayloadEncoder} turns it into
 * what the API serves. One JSON object per line in {@code STATE.events.jsonl} ({@link #toJson()}).
 *
 * @param eventId global id, ascending, with gaps
 * @param occurredAt when it was emitted
 * @param eventType e.g. {@code route.created}
 * @param aggregateType {@code route}, {@code env} or {@code instance}
 * @param aggregateId the route, env or instance id
 * @param aggregateSeq 1, 2, ... per aggregate
 * @param requestId the id of the change (one per applied file edit)
 * @param actorType who made the change ({@code user})
 * @param actorId the actor's id
 * @param appId the application concerned (NDJSON stream lines and filters)
 * @param envId the environment concerned (NDJSON stream lines and filters)
 * @param payload canonical payload; never mutated after construction
 */
public record DevEvent(long eventId, Instant occurredAt, String eventType, String aggregateType, String aggregateId,
    long aggregateSeq, String requestId, String actorType, String actorId, String appId, String envId,
    JsonObject payload) {

  public DevEvent {
    payload = payload.copy();
  }

  /** The persisted form (one line of the events file). */
  public JsonObject toJson() {
    return new JsonObject()
        .put("event_id", eventId)
        .put("occurred_at", occurredAt.toString())
        .put("event_type", eventType)
        .put("aggregate_type", aggregateType)
        .put("aggregate_id", aggregateId)
        .put("aggregate_seq", aggregateSeq)
        .put("request_id", requestId)
        .put("actor_type", actorType)
        .put("actor_id", actorId)
        .put("app_id", appId)
        .put("env_id", envId)
        .put("payload", payload.copy());
  }

  /** Reads the persisted form; throws {@link IllegalArgumentException} on a missing or mistyped field. */
  public static DevEvent fromJson(JsonObject j) {
    try {
      return new DevEvent(j.getLong("event_id"), Instant.parse(j.getString("occurred_at")), req(j, "event_type"),
          req(j, "aggregate_type"), req(j, "aggregate_id"), j.getLong("aggregate_seq"), j.getString("request_id"),
          j.getString("actor_type"), j.getString("actor_id"), j.getString("app_id"), j.getString("env_id"),
          j.getJsonObject("payload", new JsonObject()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("bad event record: " + e.getMessage(), e);
    }
  }

  private static String req(JsonObject j, String key) {
    String s = j.getString(key);
    if (s == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return s;
  }
}
