package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.route.Protocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventDecoderTest {

  /** The example page of control-plane-contract.md §1, verbatim. */
  static final String CONTRACT_PAGE = """
      {"items":[
       {"event_id":42,"occurred_at":"2025-12-20T10:00:00Z","event_type":"route.created","event_version":1,
        "aggregate_type":"route","aggregate_id":"rt_01JFX","aggregate_seq":1,
        "payload":{"routeId":"rt_01JFX","orgId":"org_01JFW","appId":"app_01JFW","envId":"env_01JFW",
         "hostname":"shop.example.com","listenPort":443,"protocolHint":"ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH",
         "backendProcessType":"web","backendPort":8443,"proxyProtocol":"ROUTE_PROXY_PROTOCOL_V2",
         "backendExpectsProxyProtocol":true}},
       {"event_id":43,"event_type":"route.updated","payload":{"routeId":"rt_01JFX","orgId":"org_01JFW","envId":"env_01JFW","backendPort":9443}},
       {"event_id":44,"event_type":"route.deleted","payload":{"routeId":"rt_01JFX","orgId":"org_01JFW","envId":"env_01JFW","hostname":"shop.example.com"}}],
       "next_after_event_id":44}
      """;

  static List<CpEvent> contractPage() {
    JsonArray items = new JsonObject(CONTRACT_PAGE).getJsonArray("items");
    return items.stream().map(o -> EventDecoder.fromFeedItem((JsonObject) o)).toList();
  }

  static JsonObject item(long id, String type, JsonObject payload) {
    return new JsonObject().put("event_id", id).put("event_type", type).put("payload", payload);
  }

  static JsonObject legacyCreated(String routeId) {
    return new JsonObject().put("route_id", routeId).put("org_id", "org_1").put("app_id", "app_1")
        .put("env_id", "env_1").put("hostname", "legacy.example.com").put("listen_port", 443)
        .put("protocol_hint", "tls_passthrough").put("backend_process_type", "web").put("backend_port", 8443)
        .put("proxy_protocol", "v2").put("backend_expects_proxy_protocol", true).put("ipv4_required", true)
        .put("env_ipv4_address", "203.0.113.7");
  }

  @Test
  void contractExamplePage_protobufJson() {
    List<CpEvent> events = contractPage();

    assertThat(events).hasSize(3);
    assertThat(events.get(0)).isEqualTo(new CpEvent.RouteCreated(42, new CpRoute("rt_01JFX", "app_01JFW",
        "env_01JFW", "shop.example.com", 443, Protocol.TLS_PASSTHROUGH, "web", 8443, true, true, false, null, 42)));
    assertThat(events.get(1)).isEqualTo(new CpEvent.RouteUpdated(43, "rt_01JFX",
        new RoutePatch(null, 9443, null, null, null, null)));
    assertThat(events.get(2)).isEqualTo(new CpEvent.RouteDeleted(44, "rt_01JFX"));
  }

  @Test
  void legacySnakeCaseWithShortEnums() {
    CpEvent e = EventDecoder.fromFeedItem(item(7, "route.created", legacyCreated("rt_L")));

    assertThat(e).isEqualTo(new CpEvent.RouteCreated(7, new CpRoute("rt_L", "app_1", "env_1",
        "legacy.example.com", 443, Protocol.TLS_PASSTHROUGH, "web", 8443, true, true, true, "203.0.113.7", 7)));
  }

  @Test
  void numericEnumValues() {
    JsonObject p = legacyCreated("rt_N").put("protocol_hint", 2).put("proxy_protocol", 2);
    CpRoute r = ((CpEvent.RouteCreated) EventDecoder.fromFeedItem(item(8, "route.created", p))).route();
    assertThat(r.protocol()).isEqualTo(Protocol.TCP_RAW);
    assertThat(r.proxyV2()).isTrue();

    p = legacyCreated("rt_N").put("protocol_hint", 1).put("proxy_protocol", 1);
    r = ((CpEvent.RouteCreated) EventDecoder.fromFeedItem(item(9, "route.created", p))).route();
    assertThat(r.protocol()).isEqualTo(Protocol.TLS_PASSTHROUGH);
    assertThat(r.proxyV2()).isFalse();
  }

  @Test
  void omittedFieldsTakeProtobufDefaults() {
    // protobuf-JSON omits false bools, absent optionals and an UNSPECIFIED proxy_protocol.
    JsonObject p = new JsonObject().put("routeId", "rt_D").put("appId", "app_1").put("envId", "env_1")
        .put("listenPort", 5432).put("protocolHint", "ROUTE_PROTOCOL_HINT_TCP_RAW")
        .put("backendProcessType", "db").put("backendPort", 5432);

    CpRoute r = ((CpEvent.RouteCreated) EventDecoder.fromFeedItem(item(10, "route.created", p))).route();

    assertThat(r.hostname()).isNull();
    assertThat(r.proxyV2()).isFalse();
    assertThat(r.backendExpectsProxyProtocol()).isFalse();
    assertThat(r.ipv4Required()).isFalse();
    assertThat(r.envIpv4AtCreation()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ROUTE_PROXY_PROTOCOL_UNSPECIFIED", "ROUTE_PROXY_PROTOCOL_OFF", "off", "0"})
  void proxyProtocolUnspecifiedOrOffIsOff(String mode) {
    JsonObject p = legacyCreated("rt_P").put("proxy_protocol", mode.equals("0") ? (Object) 0 : mode);
    CpRoute r = ((CpEvent.RouteCreated) EventDecoder.fromFeedItem(item(11, "route.created", p))).route();
    assertThat(r.proxyV2()).isFalse();
  }

  @Test
  void backendExpectsProxyAloneDoesNotTurnProxyOn() {
    JsonObject p = legacyCreated("rt_P").put("proxy_protocol", "off").put("backend_expects_proxy_protocol", true);
    CpRoute r = ((CpEvent.RouteCreated) EventDecoder.fromFeedItem(item(12, "route.created", p))).route();
    assertThat(r.proxyV2()).isFalse();
    assertThat(r.backendExpectsProxyProtocol()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ROUTE_PROTOCOL_HINT_UNSPECIFIED", "unspecified", "0", "missing"})
  void unspecifiedProtocolHintIsRejected(String hint) {
    JsonObject p = legacyCreated("rt_U");
    switch (hint) {
      case "missing" -> p.remove("protocol_hint");
      case "0" -> p.put("protocol_hint", 0);
      default -> p.put("protocol_hint", hint);
    }
    CpEvent e = EventDecoder.fromFeedItem(item(13, "route.created", p));
    assertThat(e).isInstanceOf(CpEvent.Rejected.class);
    assertThat(e.eventId()).isEqualTo(13);
    assertThat(((CpEvent.Rejected) e).reason()).contains("protocol_hint");
  }

  @Test
  void listenPortZeroOrMissingIsRejected() {
    CpEvent zero = EventDecoder.fromFeedItem(item(14, "route.created", legacyCreated("rt_Z").put("listen_port", 0)));
    JsonObject missing = legacyCreated("rt_Z");
    missing.remove("listen_port");
    CpEvent absent = EventDecoder.fromFeedItem(item(15, "route.created", missing));

    assertThat(zero).isEqualTo(new CpEvent.Rejected(14, "route.created", "listen_port is 0 or missing"));
    assertThat(absent).isEqualTo(new CpEvent.Rejected(15, "route.created", "listen_port is 0 or missing"));
  }

  @Test
  void malformedPayloadsAreRejectedWithAReason() {
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_id", 1).put("event_type", "route.created")
        .put("payload", "not an object")))
        .isEqualTo(new CpEvent.Rejected(1, "route.created", "payload is not a JSON object"));
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_id", 2).put("event_type", "route.created")
        .put("payload", new JsonArray().add(1))))
        .isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(3, "route.deleted", new JsonObject().put("hostname", "x"))))
        .isEqualTo(new CpEvent.Rejected(3, "route.deleted", "missing route_id"));
    assertThat(EventDecoder.fromFeedItem(item(4, "route.created", legacyCreated("rt").put("listen_port", "443x"))))
        .isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(5, "route.created", legacyCreated("rt").put("ipv4_required", "yes"))))
        .isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(6, "route.created", legacyCreated("rt").put("route_id", 12))))
        .isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(7, "route.created", legacyCreated("rt").put("protocol_hint", "quic"))))
        .isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(8, "route.created", legacyCreated("rt").put("listen_port", 70000))))
        .isInstanceOf(CpEvent.Rejected.class);
    JsonObject noHost = legacyCreated("rt");
    noHost.remove("hostname");
    assertThat(EventDecoder.fromFeedItem(item(9, "route.created", noHost))).isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(10, "route.updated",
        new JsonObject().put("route_id", "rt").put("backend_port", 0)))).isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(item(11, "env.ipv4_addon_enabled",
        new JsonObject().put("env_id", "env_1").put("ipv4_address", "999.1.1.1")))).isInstanceOf(CpEvent.Rejected.class);
  }

  @Test
  void envelopeWithoutUsableIdOrTypeIsRejectedNeverThrown() {
    assertThat(EventDecoder.fromFeedItem(null)).isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_type", "route.deleted")).eventId()).isZero();
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_id", "abc").put("event_type", "x")))
        .isInstanceOf(CpEvent.Rejected.class);
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_id", 5)))
        .isEqualTo(new CpEvent.Rejected(5, null, "missing or invalid event_type"));
    assertThat(EventDecoder.fromStreamLine(new JsonObject().put("seq", 1.5).put("type", "route.deleted")))
        .isInstanceOf(CpEvent.Rejected.class);
  }

  @Test
  void int64EventIdAsStringIsAccepted() {
    CpEvent e = EventDecoder.fromFeedItem(new JsonObject().put("event_id", "9007199254740993")
        .put("event_type", "route.deleted").put("payload", new JsonObject().put("routeId", "rt")));
    assertThat(e).isEqualTo(new CpEvent.RouteDeleted(9007199254740993L, "rt"));
  }

  @Test
  void unknownTypeIsIgnoredButKeepsItsId() {
    assertThat(EventDecoder.fromFeedItem(item(50, "app.renamed", new JsonObject())))
        .isEqualTo(new CpEvent.Ignored(50, "app.renamed"));
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_id", 51).put("event_type", "org.deleted")))
        .isEqualTo(new CpEvent.Ignored(51, "org.deleted"));
  }

  @Test
  void routeUpdatedPatchesOnlyPresentFields() {
    CpEvent camel = EventDecoder.fromFeedItem(item(20, "route.updated", new JsonObject().put("routeId", "rt")
        .put("backendProcessType", "worker").put("proxyProtocol", "ROUTE_PROXY_PROTOCOL_OFF")
        .put("hostname", "ignored.example").put("listenPort", 1)));
    CpEvent snake = EventDecoder.fromFeedItem(item(21, "route.updated", new JsonObject().put("route_id", "rt")
        .put("ipv4_required", false).put("env_ipv4_address", (Object) null)));

    assertThat(camel).isEqualTo(new CpEvent.RouteUpdated(20, "rt",
        new RoutePatch("worker", null, false, null, null, null)));
    assertThat(snake).isEqualTo(new CpEvent.RouteUpdated(21, "rt",
        new RoutePatch(null, null, null, null, false, "")));
  }

  @Test
  void envIpv4EventsInBothEncodings() {
    assertThat(EventDecoder.fromFeedItem(item(30, "env.ipv4_addon_enabled", new JsonObject().put("envId", "env_1")
        .put("orgId", "org_1").put("appId", "app_1").put("allocationId", "al_1").put("ipv4Address", "203.0.113.7"))))
        .isEqualTo(new CpEvent.EnvIpv4Enabled(30, "env_1", "app_1", "203.0.113.7"));
    assertThat(EventDecoder.fromFeedItem(item(31, "env.ipv4_addon_disabled", new JsonObject().put("env_id", "env_1")
        .put("app_id", "app_1").put("ipv4_address", "203.0.113.7"))))
        .isEqualTo(new CpEvent.EnvIpv4Disabled(31, "env_1", "203.0.113.7"));
  }

  @Test
  void instanceStatusChanged_withAndWithoutEnv() {
    assertThat(EventDecoder.fromFeedItem(item(40, "instance.status_changed", new JsonObject().put("envId", "env_9"))))
        .isEqualTo(new CpEvent.InstanceStatusChanged(40, "env_9"));
    assertThat(EventDecoder.fromFeedItem(item(41, "instance.status_changed", new JsonObject().put("env_id", "env_8"))))
        .isEqualTo(new CpEvent.InstanceStatusChanged(41, "env_8"));
    assertThat(EventDecoder.fromFeedItem(new JsonObject().put("event_id", 42).put("event_type",
        "instance.status_changed"))).isEqualTo(new CpEvent.InstanceStatusChanged(42, null));
  }

  @Test
  void streamLine_seqIsTheIdAndTheLineFillsAppAndEnv() {
    JsonObject payload = legacyCreated("rt_S");
    payload.remove("app_id");
    payload.remove("env_id");
    JsonObject line = new JsonObject().put("ts", "2025-12-20T10:00:00Z").put("seq", 77).put("type", "route.created")
        .put("aggregate_type", "route").put("aggregate_id", "rt_S").put("app_id", "app_L").put("env_id", "env_L")
        .put("payload", payload);

    CpRoute r = ((CpEvent.RouteCreated) EventDecoder.fromStreamLine(line)).route();

    assertThat(r.createdEventId()).isEqualTo(77);
    assertThat(r.appId()).isEqualTo("app_L");
    assertThat(r.envId()).isEqualTo("env_L");
    assertThat(EventDecoder.fromStreamLine(new JsonObject().put("seq", 78).put("type", "instance.status_changed")
        .put("env_id", "env_L").put("payload", new JsonObject()))).isEqualTo(new CpEvent.InstanceStatusChanged(78,
        "env_L"));
  }
}
