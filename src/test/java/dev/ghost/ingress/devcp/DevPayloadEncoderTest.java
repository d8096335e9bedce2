package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.devcp.PayloadEncoder.Encoding;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Protobuf-JSON as the live plane serves it (camelCase, enum names, defaults omitted) and the legacy form. */
class DevPayloadEncoderTest {

  static final JsonObject CREATED = StateDiff.routePayload(new DevState.Route("rt_1", "app_1", "env_1",
      "shop.example.com", 443, DevState.TLS_PASSTHROUGH, "web", 8443, DevState.PROXY_OFF, false), "org_1", null);

  @Test
  void protobufJsonUsesCamelCaseEnumNamesAndOmitsDefaults() {
    JsonObject p = PayloadEncoder.encode(CREATED, Encoding.PROTOBUF_JSON);
    assertThat(p).isEqualTo(new JsonObject()
        .put("routeId", "rt_1").put("orgId", "org_1").put("appId", "app_1").put("envId", "env_1")
        .put("hostname", "shop.example.com").put("listenPort", 443)
        .put("protocolHint", "ROUTE_PROTOCOL_HINT_TLS_PASSTHROUGH")
        .put("backendProcessType", "web").put("backendPort", 8443)
        .put("proxyProtocol", "ROUTE_PROXY_PROTOCOL_OFF"));
    // false bools (backendExpectsProxyProtocol, ipv4Required) and the absent address are not written
    assertThat(p.fieldNames()).doesNotContain("backendExpectsProxyProtocol", "ipv4Required", "envIpv4Address");
  }

  @Test
  void protobufJsonWritesTrueBoolsAndOtherEnums() {
    JsonObject in = new JsonObject().put("protocol_hint", "tcp_raw").put("proxy_protocol", "v2")
        .put("backend_expects_proxy_protocol", true).put("env_ipv4_address", "192.0.2.1").put("backend_port", 0)
        .put("hostname", "");
    assertThat(PayloadEncoder.encode(in, Encoding.PROTOBUF_JSON)).isEqualTo(new JsonObject()
        .put("protocolHint", "ROUTE_PROTOCOL_HINT_TCP_RAW").put("proxyProtocol", "ROUTE_PROXY_PROTOCOL_V2")
        .put("backendExpectsProxyProtocol", true).put("envIpv4Address", "192.0.2.1"));
  }

  @Test
  void legacyKeepsSnakeCaseShortEnumsAndEveryField() {
    JsonObject p = PayloadEncoder.encode(CREATED, Encoding.LEGACY);
    assertThat(p.getString("protocol_hint")).isEqualTo("tls_passthrough");
    assertThat(p.getString("proxy_protocol")).isEqualTo("off");
    assertThat(p.getBoolean("backend_expects_proxy_protocol")).isFalse();
    assertThat(p.getInteger("listen_port")).isEqualTo(443);
    assertThat(p.fieldNames()).allMatch(k -> k.equals(k.toLowerCase()));
  }

  @Test
  void camelCase() {
    assertThat(PayloadEncoder.camelCase("env_ipv4_address")).isEqualTo("envIpv4Address");
    assertThat(PayloadEncoder.camelCase("ipv4_address")).isEqualTo("ipv4Address");
    assertThat(PayloadEncoder.camelCase("hostname")).isEqualTo("hostname");
  }
}
