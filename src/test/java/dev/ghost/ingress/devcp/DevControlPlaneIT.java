package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.PayloadEncoder.Encoding;
import dev.ghost.ingress.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev control plane over real HTTP on an ephemeral port: auth and problem+json, the event feed and its paging
 * over id gaps, both payload encodings, the instances, routes and networking lists, the NDJSON stream following a
 * file edit, restarts that keep ids, ignored invalid edits.
 */
class DevControlPlaneIT {

  static final String ORG = "org_01JFW0000000000000000000";
  static final String TOKEN = "it-token";
  static final String APP = "app_1";
  static final String ENV = "env_1";
  static final String V1 = "/v1/orgs/" + ORG;
  static final String ENV_PATH = V1 + "/apps/" + APP + "/envs/" + ENV;

  static final String STATE = """
      org = "%s"
      token = "%s"

      [[env]]
      id = "env_1"
      app = "app_1"
      ipv4 = "127.0.0.1"

      [[env]]
      id = "env_2"
      app = "app_1"

      [[route]]
      id = "rt_1"
      env = "env_1"
      hostname = "shop.example.com"
      listen_port = 8443
      protocol = "tls_passthrough"
      backend_port = 9443
      proxy_protocol = "v2"

      [[route]]
      id = "rt_2"
      env = "env_1"
      listen_port = 5432
      protocol = "tcp_raw"
      backend_port = 5432

      [[instance]]
      id = "inst_1"
      env = "env_1"
      overlay_ipv6 = "fd5a:1:2:1::7"
      node = "node_1"

      [[instance]]
      id = "inst_2"
      env = "env_1"
      overlay_ipv6 = "fd5a:1:2:1::8"
      status = "booting"

      [[instance]]
      id = "inst_3"
      env = "env_1"
      overlay_ipv6 = "fd5a:1:2:1::9"
      """.formatted(ORG, TOKEN);

  @TempDir
  Path dir;
  Path file;
  Vertx vertx;
  WebClient web;
  DevControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
    file = dir.resolve("state.toml");
    Files.writeString(file, STATE);
    cp = startPlane();
  }

  private DevControlPlane startPlane() {
    return DevControlPlane.start(vertx, new DevControlPlane.Options().stateFile(file)
        .scan(java.time.Duration.ofMillis(20))).await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private HttpResponse<Buffer> get(String path) {
    return web.get(cp.port(), "127.0.0.1", path).putHeader("Authorization", "Bearer " + TOKEN).send().await();
  }

  private JsonObject json(String path) {
    HttpResponse<Buffer> r = get(path);
    assertThat(r.statusCode()).as(path + " " + r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).isEqualTo("application/json");
    return r.bodyAsJsonObject();
  }

  private static void assertProblem(HttpResponse<Buffer> r, int status, boolean retryable) {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.getHeader("content-type")).isEqualTo("application/problem+json");
    JsonObject p = r.bodyAsJsonObject();
    assertThat(p.fieldNames()).containsExactlyInAnyOrder("type", "title", "status", "detail", "code", "request_id",
        "retryable");
    assertThat(p.getInteger("status")).isEqualTo(status);
    assertThat(p.getBoolean("retryable")).isEqualTo(retryable);
    assertThat(p.getString("request_id")).isEqualTo(r.getHeader("X-Request-Id"));
  }

  /** Every event, read page by page with {@code limit}. */
  private List<JsonObject> allEvents(int limit) {
    List<JsonObject> out = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonObject page = json(V1 + "/events?limit=" + limit + "&after_event_id=" + after);
      JsonArray items = page.getJsonArray("items");
      items.forEach(o -> out.add((JsonObject) o));
      long next = page.getLong("next_after_event_id");
      if (items.isEmpty()) {
        assertThat(next).isEqualTo(after);
        return out;
      }
      assertThat(next).isEqualTo(items.getJsonObject(items.size() - 1).getLong("event_id"));
      after = next;
    }
  }

  @Test
  void tokenAndOrgAreChecked() {
    assertProblem(web.get(cp.port(), "127.0.0.1", V1 + "/events").send().await(), 401, false);
    assertProblem(web.get(cp.port(), "127.0.0.1", V1 + "/events").putHeader("Authorization", "Bearer nope")
        .send().await(), 401, false);
    assertProblem(get("/v1/orgs/org_other/events"), 404, false);
    assertProblem(get(V1 + "/apps/app_1/envs/env_9/instances"), 404, false);
    assertProblem(get(V1 + "/events?limit=0"), 400, false);
    assertProblem(get(V1 + "/events?limit=201"), 400, false);
    assertThat(web.get(cp.port(), "127.0.0.1", "/healthz").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  void requestIdIsEchoedOrMinted() {
    HttpResponse<Buffer> echoed = web.get(cp.port(), "127.0.0.1", V1 + "/events")
        .putHeader("Authorization", "Bearer " + TOKEN).putHeader("X-Request-Id", "req_mine").send().await();
    assertThat(echoed.getHeader("X-Request-Id")).isEqualTo("req_mine");
    assertThat(web.get(cp.port(), "127.0.0.1", "/healthz").send().await().getHeader("X-Request-Id"))
        .startsWith("req_");
  }

  @Test
  void firstStartPublishesTheFileAsCreationEventsInProtobufJson() {
    List<JsonObject> events = allEvents(200);
    assertThat(events).extracting(e -> e.getString("event_type")).containsExactly("env.ipv4_addon_enabled",
        "route.created", "route.created", "instance.status_changed", "instance.status_changed",
        "instance.status_changed");
    JsonObject created = events.get(1);
    assertThat(created.fieldNames()).containsExactlyInAnyOrder("event_id", "occurred_at", "event_type",
        "event_version", "actor_type", "actor_id", "aggregate_type", "aggregate_id", "aggregate_seq", "request_id",
        "payload");
    assertThat(created.getInteger("event_version")).isEqualTo(1);
    assertThat(created.getInteger("aggregate_seq")).isEqualTo(1);
    assertThat(created.getJsonObject("payload")).isEqualTo(new JsonObject()
        .put("routeId", "rt_1").put("orgId", ORG).put("appId", APP).put("envId", ENV)
        .put("hostname", "shop.example.com").put("listenPort", 8443)
        .put("protocolHint", "ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH").put("backendProcessType", "web")
        .put("backendPort", 9443).put("proxyProtocol", "ROUTE_PROXY_PROTOCOL_V2")
        .put("backendExpectsProxyProtocol", true).put("envIpv4Address", "127.0.0.1"));
    JsonObject raw = events.get(2).getJsonObject("payload");
    assertThat(raw.getString("protocolHint")).isEqualTo("ROUTE_PROTOCOL_HINT_TCP_RAW");
    assertThat(raw.fieldNames()).doesNotContain("hostname", "backendExpectsProxyProtocol", "ipv4Required");
    assertThat(events.get(3).getJsonObject("payload").getString("envId")).isEqualTo(ENV);
  }

  @Test
  void eventPagingWalksGapsOneByOne() {
    List<JsonObject> one = allEvents(1);
    assertThat(one).hasSize(6);
    assertThat(one).isEqualTo(allEvents(200));
    List<Long> ids = one.stream().map(e -> e.getLong("event_id")).toList();
    assertThat(ids).isSorted();
    assertThat(ids.get(ids.size() - 1) - ids.get(0)).as("ids have gaps").isGreaterThan(ids.size() - 1);
    JsonObject routes = json(V1 + "/events?event_type=route.created&limit=1");
    assertThat(routes.getJsonArray("items")).hasSize(1);
    assertThat(json(V1 + "/events?env_id=env_2").getJsonArray("items")).isEmpty();
  }

  @Test
  void legacyEncodingIsSnakeCaseWithShortEnums() {
    cp.encoding(Encoding.LEGACY);
    JsonObject p = json(V1 + "/events?event_type=route.created&limit=1").getJsonArray("items").getJsonObject(0)
        .getJsonObject("payload");
    assertThat(p.getString("route_id")).isEqualTo("rt_1");
    assertThat(p.getString("protocol_hint")).isEqualTo("tls_passthrough");
    assertThat(p.getString("proxy_protocol")).isEqualTo("v2");
    assertThat(p.getBoolean("ipv4_required")).isFalse();
  }

  @Test
  void instancesArePagedWithPrefixLengths() {
    List<JsonObject> items = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = json(ENV_PATH + "/instances?limit=1" + (cursor == null ? "" : "&cursor=" + cursor));
      page.getJsonArray("items").forEach(o -> items.add((JsonObject) o));
      assertThat(page.containsKey("next_cursor")).isTrue();
      cursor = page.getString("next_cursor");
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(items).extracting(i -> i.getString("overlay_ipv6"))
        .containsExactly("fd5a:1:2:1::7/128", "fd5a:1:2:1::8/128", "fd5a:1:2:1::9/128");
    assertThat(items.get(0).fieldNames()).containsExactlyInAnyOrder("id", "env_id", "process_type", "node_id",
        "generation", "status", "last_transition_at", "overlay_ipv6", "created_at");
    assertThat(items.get(0).getString("node_id")).isEqualTo("node_1");
    JsonArray ready = json(ENV_PATH + "/instances?status=ready&process_type=web").getJsonArray("items");
    assertThat(ready).extracting(o -> ((JsonObject) o).getString("id")).containsExactly("inst_1", "inst_3");
    assertThat(json(V1 + "/apps/app_1/envs/env_2/instances").getJsonArray("items")).isEmpty();
  }

  @Test
  void routesAndNetworking() {
    JsonObject routes = json(ENV_PATH + "/routes?limit=1");
    assertThat(routes.getString("next_cursor")).isEqualTo("rt_1");
    assertThat(routes.getJsonArray("items").getJsonObject(0).getString("hostname")).isEqualTo("shop.example.com");
    JsonObject net = json(ENV_PATH + "/networking");
    assertThat(net.getBoolean("ipv4_enabled")).isTrue();
    assertThat(net.getString("ipv4_address")).isEqualTo("127.0.0.1");
    assertThat(net.getString("ipv4_allocation_id")).startsWith("ipv4_");
    assertThat(net.getLong("resource_version")).isEqualTo(1);
    assertThat(json(V1 + "/apps/app_1/envs/env_2/networking").getBoolean("ipv4_enabled")).isFalse();
  }

  @Test
  void fileEditsBecomeEventsAndTheStreamDeliversThem() throws Exception {
    HttpClient http = vertx.createHttpClient();
    List<JsonObject> lines = new CopyOnWriteArrayList<>();
    HttpClientResponse resp = http.request(new RequestOptions().setMethod(HttpMethod.GET).setPort(cp.port())
            .setHost("127.0.0.1").setURI(V1 + "/events/stream?after_event_id=0&poll_ms=50")
            .putHeader("Authorization", "Bearer " + TOKEN))
        .compose(req -> req.send().map(r -> r.handler(RecordParser.newDelimited("\n",
            b -> lines.add(new JsonObject(b)))))).await();
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.getHeader("content-type")).isEqualTo("application/x-ndjson");
    Await.until("existing events streamed", () -> lines.size() == 6, lines::toString);
    JsonObject first = lines.get(1);
    assertThat(first.fieldNames()).containsExactlyInAnyOrder("ts", "seq", "type", "aggregate_type",
        "aggregate_id", "app_id", "env_id", "payload");
    assertThat(first.getJsonObject("payload").getString("protocolHint"))
        .isEqualTo("ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH");

    long last = cp.lastEventId();
    Files.writeString(file, STATE.replace("backend_port = 9443", "backend_port = 9444")
        .replace("status = \"booting\"", "status = \"ready\""));
    Await.until("edit streamed", () -> lines.size() == 8, lines::toString);
    JsonObject updated = lines.get(6);
    assertThat(updated.getLong("seq")).isGreaterThan(last);
    assertThat(updated.getString("type")).isEqualTo("route.updated");
    assertThat(updated.getJsonObject("payload")).isEqualTo(new JsonObject().put("routeId", "rt_1")
        .put("orgId", ORG).put("envId", ENV).put("backendPort", 9444));
    assertThat(lines.get(7).getString("type")).isEqualTo("instance.status_changed");
    JsonObject inst2 = json(ENV_PATH + "/instances?status=ready").getJsonArray("items").getJsonObject(1);
    assertThat(inst2.getString("id")).isEqualTo("inst_2");
    assertThat(inst2.getLong("generation")).isEqualTo(2);
  }

  @Test
  void routeDeletionEnvIpv4OffAndInstanceRemoval() {
    long before = cp.lastEventId();
    cp.edit(s -> s.withoutRoute("rt_2").withEnv(new DevState.Env("env_1", "app_1", null))
        .withoutInstance("inst_3"));
    List<JsonObject> items = allEvents(200).stream().filter(e -> e.getLong("event_id") > before).toList();
    assertThat(items).extracting(e -> e.getString("event_type"))
        .containsExactly("env.ipv4_addon_disabled", "route.deleted", "instance.status_changed");
    assertThat(items.get(0).getJsonObject("payload").getString("ipv4Address")).isEqualTo("127.0.0.1");
    assertThat(items.get(1).getJsonObject("payload").fieldNames())
        .containsExactlyInAnyOrder("routeId", "orgId", "envId");  // hostname of a tcp_raw route is empty
    assertThat(json(ENV_PATH + "/networking").getBoolean("ipv4_enabled")).isFalse();
    assertThat(json(ENV_PATH + "/instances").getJsonArray("items")).hasSize(2);
    assertThat(json(ENV_PATH + "/routes").getJsonArray("items")).hasSize(1);
  }

  @Test
  void invalidEditIsIgnoredAndTheNextValidOneDiffsFromTheLastGoodState() throws Exception {
    long last = cp.lastEventId();
    Files.writeString(file, STATE.replace("protocol = \"tcp_raw\"", "protocol = \"udp\""));
    long scans = cp.scans();
    Await.until("the invalid file scanned", () -> cp.scans() > scans + 3);
    assertThat(cp.lastEventId()).isEqualTo(last);
    assertThat(json(ENV_PATH + "/routes").getJsonArray("items")).hasSize(2);
    Files.writeString(file, STATE.replace("proxy_protocol = \"v2\"", "proxy_protocol = \"off\""));
    long id = cp.awaitEventAfter(last);
    assertThat(cp.events()).filteredOn(e -> e.eventId() > last).singleElement().satisfies(e -> {
      assertThat(e.eventId()).isEqualTo(id);
      assertThat(e.payload().getString("proxy_protocol")).isEqualTo("off");
    });
  }

  @Test
  void restartKeepsIdsAndHistory() throws Exception {
    List<JsonObject> before = allEvents(200);
    long last = cp.lastEventId();
    cp.close().await();
    assertThat(DevControlPlane.eventsFile(file)).exists();
    Files.writeString(file, STATE.replace("backend_port = 9443", "backend_port = 9555"));
    cp = startPlane();
    List<JsonObject> after = allEvents(200);
    assertThat(after.subList(0, before.size())).isEqualTo(before);
    assertThat(after).hasSize(before.size() + 1);
    JsonObject updated = after.get(after.size() - 1);
    assertThat(updated.getLong("event_id")).isGreaterThan(last);
    assertThat(updated.getString("event_type")).isEqualTo("route.updated");
    assertThat(updated.getInteger("aggregate_seq")).isEqualTo(2);
  }
}
