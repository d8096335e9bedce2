package dev.ghost.ingress.sync;

/**
 * One decoded control-plane event (contract §1). Every variant carries its {@code event_id} (the stream's
 * {@code seq}), which advances the cursor whatever the variant: unknown types and malformed payloads included.
 * An id of 0 means the envelope had no usable id; such an event is counted but moves nothing.
 */
public sealed interface CpEvent {

  /** The event's global id; 0 when the envelope carried none. */
  long eventId();

  /** {@code route.created}: a complete, valid route. */
  record RouteCreated(long eventId, CpRoute route) implements CpEvent {}

  /** {@code route.updated}: only the fields present in the payload. */
  record RouteUpdated(long eventId, String routeId, RoutePatch patch) implements CpEvent {}

  /** {@code route.deleted}. */
  record RouteDeleted(long eventId, String routeId) implements CpEvent {}

  /** {@code env.ipv4_addon_enabled}: {@code envId} now owns {@code ipv4}. */
  record EnvIpv4Enabled(long eventId, String envId, String appId, String ipv4) implements CpEvent {}

  /** {@code env.ipv4_addon_disabled}; {@code ipv4} is informational and may be null. */
  record EnvIpv4Disabled(long eventId, String envId, String ipv4) implements CpEvent {}

  /**
   * {@code instance.status_changed}: a hint that backend sets changed; refresh that env's routes, or every route
   * when {@code envIdOrNull} is null.
   */
  record InstanceStatusChanged(long eventId, String envIdOrNull) implements CpEvent {}

  /** A type the ingress does not use: "ignore the rest, but still advance the cursor". */
  record Ignored(long eventId, String type) implements CpEvent {}

  /** A payload that could not be used: logged and counted by the caller, never fatal; the cursor still moves. */
  record Rejected(long eventId, String type, String reason) implements CpEvent {}
}
