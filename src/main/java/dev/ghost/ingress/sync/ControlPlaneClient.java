package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.IngressConfig;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * The control plane's HTTP API as control-plane-contract.md describes it: the event feed (paged), the NDJSON event
 * stream (read incrementally), and the instances list (paged). Every request carries the bearer token and an
 * {@code X-Request-Id}; failures come back as {@link SyncException}s. The token is never logged.
 */
public final class ControlPlaneClient {

  /** Page size for the feed and the instances list (the contract's maximum). */
  static final int PAGE = 200;
  /**
   * Cap on one JSON response body. A page of 200 events or instances is tens of kilobytes; 4 MiB leaves room for
   * large payloads while a hostile or broken control plane cannot make the node hold more than this per request.
   */
  static final int MAX_BODY = 4 << 20;
  /** Cap on the body of an error answer: only its problem+json fields are read. */
  static final int MAX_ERROR_BODY = 64 << 10;

  private final Vertx vertx;
  private final HttpClient http;
  private final String base;
  private final String org;
  private final String authorization;
  private final long timeoutMs;

  public ControlPlaneClient(Vertx vertx, IngressConfig.ControlPlane settings) {
    this.vertx = vertx;
    this.timeoutMs = settings.requestTimeout().toMillis();
    // One client for pages and streams: every body is read through ResponseBody or the stream's line cap, never
    // buffered whole by a client that knows no limit. The pool holds the instance lanes plus the stream and a poll,
    // so no request waits for a connection (a wait counts against its timeout)
    this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) timeoutMs)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(settings.maxInFlight() + 2));
    this.base = settings.url().endsWith("/") ? settings.url().substring(0, settings.url().length() - 1)
        : settings.url();
    this.org = encode(settings.orgId() == null ? "" : settings.orgId());
    String token = settings.token() == null ? "" : settings.token();
    // The contract: add the "Bearer " prefix only when the configured value lacks it
    this.authorization = token.regionMatches(true, 0, "Bearer ", 0, 7) ? token : "Bearer " + token;
  }

  /** One page of the event feed after {@code afterEventId}. */
  public Future<EventPage> events(long afterEventId, int limit) {
    String url = base + "/v1/orgs/" + org + "/events?after_event_id=" + afterEventId + "&limit=" + limit;
    return getSized(url).compose(sized -> {
      JsonObject body = sized.json();
      JsonArray items = body.getJsonArray("items");
      Object next = body.getValue("next_after_event_id", body.getValue("nextAfterEventId"));
      if (items == null || !(next instanceof Number)) {
        return Future.failedFuture(bad("event page without items or next_after_event_id"));
      }
      if (items.size() > limit) {
        return Future.failedFuture(bad("event page has " + items.size() + " items, more than the limit " + limit));
      }
      List<CpEvent> events = new ArrayList<>(items.size());
      for (Object item : items) {
        if (!(item instanceof JsonObject envelope)) {
          return Future.failedFuture(bad("event page item is not an object"));
        }
        events.add(EventDecoder.fromFeedItem(envelope));
      }
      return Future.succeededFuture(new EventPage(events, ((Number) next).longValue(), sized.bytes()));
    });
  }

  /**
   * Every ready instance's overlay IPv6 of one process type of an environment, across all pages, and the ready
   * instances dropped for their address.
   */
  public Future<Instances> readyInstances(String app, String env, String processType) {
    return instancePages(app, env, processType, null, new ArrayList<>(), new ArrayList<>());
  }

  private Future<Instances> instancePages(String app, String env, String processType, String cursor,
      List<String> acc, List<InstancePage.Dropped> dropped) {
    String url = base + "/v1/orgs/" + org + "/apps/" + encode(app) + "/envs/" + encode(env) + "/instances"
        + "?process_type=" + encode(processType == null ? "" : processType) + "&status=ready&limit=" + PAGE
        + (cursor == null ? "" : "&cursor=" + encode(cursor));
    return getJson(url).compose(body -> {
      InstancePage page;
      try {
        page = InstancePage.parse(body);
      } catch (RuntimeException e) {
        return Future.failedFuture(bad("instances page: " + e.getMessage()));
      }
      int items = body.getJsonArray("items").size();
      if (items > PAGE) {
        return Future.failedFuture(bad("instances page has " + items + " items, more than the limit " + PAGE));
      }
      acc.addAll(page.readyIpv6());
      dropped.addAll(page.dropped());
      return page.nextCursor() == null || page.nextCursor().equals(cursor)
          ? Future.succeededFuture(new Instances(acc, dropped))
          : instancePages(app, env, processType, page.nextCursor(), acc, dropped);
    });
  }

  /**
   * Opens the NDJSON event stream after {@code afterEventId}. Lines are decoded as they arrive and handed to
   * {@code sink}; the returned stream ends (its {@link EventStream#ended()} fails) when the connection breaks, a
   * line is over the cap, or nothing arrives for {@code silence}.
   */
  public Future<EventStream> stream(long afterEventId, EventStream.Sink sink,
      java.time.Duration silence) {
    String url = base + "/v1/orgs/" + org + "/events/stream?after_event_id=" + afterEventId + "&poll_ms=100";
    String requestId = UUID.randomUUID().toString();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(url)
        .putHeader("Authorization", authorization)
        .putHeader("Accept", "application/x-ndjson")
        .putHeader("X-Request-Id", requestId)
        .setConnectTimeout(timeoutMs);
    // The line reader is attached in the same callback that receives the response: attached any later, the first
    // lines could already have gone by
    return http.request(options)
        .compose(req -> sendWithin(req).compose(resp -> {
          if (resp.statusCode() != 200) {
            return errorBody(resp, requestId).compose(body -> Future.failedFuture(statusFailure(resp.statusCode(),
                resp.getHeader("content-type"), body, requestId)));
          }
          return Future.succeededFuture(new EventStream(vertx, resp, sink, silence));
        }))
        .recover(err -> Future.failedFuture(classify(err, requestId)));
  }

  /**
   * Sends {@code req}; its response head must come within the request timeout (a black-holed request would
   * otherwise wait forever and the node would never stream again). The body may then stay quiet: see EventStream.
   */
  private Future<HttpClientResponse> sendWithin(HttpClientRequest req) {
    boolean[] timedOut = {false};
    long timer = vertx.setTimer(timeoutMs, t -> {
      timedOut[0] = true;
      req.reset();
    });
    return req.send()
        .andThen(ar -> vertx.cancelTimer(timer))
        .recover(err -> Future.failedFuture(timedOut[0]
            ? new TimeoutException("no response within " + timeoutMs + " ms") : err));
  }

  private Future<JsonObject> getJson(String url) {
    return getSized(url).map(Sized::json);
  }

  /** A JSON body and its size in bytes. */
  private record Sized(JsonObject json, int bytes) {}

  private Future<Sized> getSized(String url) {
    String requestId = UUID.randomUUID().toString();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(url)
        .putHeader("Authorization", authorization)
        .putHeader("Accept", "application/json")
        .putHeader("User-Agent", "ghost-ingress")
        .putHeader("X-Request-Id", requestId)
        .setConnectTimeout(timeoutMs)
        .setIdleTimeout(timeoutMs);
    // The body reader is attached in the callback that receives the response head, before any byte of it
    return http.request(options)
        .compose(req -> sendWithin(req).compose(resp -> resp.statusCode() == 200
            ? ResponseBody.read(resp, MAX_BODY, requestId)
                .compose(body -> json(body, requestId).map(json -> new Sized(json, body.length())))
            : errorBody(resp, requestId).compose(body -> Future.failedFuture(statusFailure(resp.statusCode(),
                resp.getHeader("content-type"), body, requestId)))))
        .recover(err -> Future.failedFuture(classify(err, requestId)));
  }

  /** The body of an error answer, at most {@link #MAX_ERROR_BODY}; empty when it is larger or cut. */
  private static Future<Buffer> errorBody(HttpClientResponse resp, String requestId) {
    return ResponseBody.read(resp, MAX_ERROR_BODY, requestId).otherwise(err -> Buffer.buffer());
  }

  private static Future<JsonObject> json(Buffer body, String requestId) {
    String text = body.toString().trim();
    if (!text.startsWith("{")) {
      return Future.failedFuture(new SyncException(SyncFailure.BAD_BODY, "body is not a JSON object", true,
          requestId));
    }
    try {
      return Future.succeededFuture(new JsonObject(text));
    } catch (DecodeException e) {
      return Future.failedFuture(new SyncException(SyncFailure.BAD_BODY, "body is not JSON", true, requestId));
    }
  }

  /** A non-200 answer; problem+json bodies say whether a retry can help. */
  static SyncException statusFailure(int status, String contentType, Buffer body, String requestId) {
    boolean retryable = status >= 500 || status == 429;
    String detail = "HTTP " + status;
    if (contentType != null && contentType.startsWith("application/problem+json")) {
      try {
        JsonObject problem = new JsonObject(body);
        retryable = problem.getBoolean("retryable", retryable);
        detail = detail + " " + problem.getString("code", "") + ": " + problem.getString("title", "");
      } catch (RuntimeException ignored) {
        detail = detail + " (unreadable problem+json)";
      }
    }
    SyncFailure kind = status == 401 || status == 403 ? SyncFailure.UNAUTHORIZED
        : retryable ? SyncFailure.SERVER_ERROR : SyncFailure.CLIENT_ERROR;
    return new SyncException(kind, detail, retryable, requestId);
  }

  static SyncException classify(Throwable err, String requestId) {
    if (err instanceof SyncException s) {
      return s;
    }
    if (err instanceof TimeoutException || err instanceof ConnectTimeoutException
        || err instanceof io.netty.handler.timeout.TimeoutException) {
      return new SyncException(SyncFailure.TIMEOUT, String.valueOf(err.getMessage()), true, requestId);
    }
    if (err instanceof ConnectException || err instanceof java.net.UnknownHostException
        || err instanceof java.io.IOException) {
      return new SyncException(SyncFailure.UNREACHABLE, String.valueOf(err.getMessage()), true, requestId);
    }
    String message = String.valueOf(err.getMessage());
    SyncFailure kind = message.contains("timeout") || message.contains("timed out") ? SyncFailure.TIMEOUT
        : SyncFailure.UNREACHABLE;
    return new SyncException(kind, message, true, requestId);
  }

  private static SyncException bad(String detail) {
    return new SyncException(SyncFailure.BAD_BODY, detail, true, null);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  public Future<Void> close() {
    return http.close();
  }

  /**
   * One page of the feed.
   *
   * @param events    decoded events, ascending
   * @param nextAfter the cursor to ask from next
   * @param bytes     size of the page's body, for the caller's memory budget
   */
  public record EventPage(List<CpEvent> events, long nextAfter, int bytes) {}

  /**
   * The ready instances of one route's environment and process type, all pages.
   *
   * @param readyIpv6 their overlay addresses, as {@link InstancePage#readyIpv6()}
   * @param dropped   ready instances that get no connections because of their address
   */
  public record Instances(List<String> readyIpv6, List<InstancePage.Dropped> dropped) {}
}
