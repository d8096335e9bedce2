package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Protocol;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstancePageTest {

  static final String PAGE_1 = """
      {"items":[
        {"id":"inst_1","env_id":"env_1","process_type":"web","node_id":"node_1","generation":3,"status":"ready",
         "last_transition_at":"2025-12-20T10:00:00Z","overlay_ipv6":"fd5a:1:2:1::7/128","created_at":"2025-12-20T09:00:00Z"},
        {"id":"inst_2","status":"draining","overlay_ipv6":"fd5a:1:2:1::8/128"},
        {"id":"inst_3","status":"ready"},
        {"id":"inst_4","status":"ready","overlay_ipv6":"not-an-address/128"},
        {"id":"inst_5","status":"ready","overlay_ipv6":"10.0.0.1"},
        {"id":"inst_6","status":"failed","overlay_ipv6":"fd5a:1:2:1::9"},
        {"id":"inst_7","status":"ready","overlay_ipv6":"FD5A:1:2:1:0:0:0:A"}],
       "next_cursor":"inst_7"}
      """;

  static final String PAGE_2 = """
      {"items":[{"id":"inst_8","status":"INSTANCE_STATUS_READY","overlayIpv6":"fd5a:1:2:2::1/64"},
                {"id":"inst_9","status":"stopped","overlayIpv6":"fd5a:1:2:2::2/128"}],
       "nextCursor":null}
      """;

  @Test
  void stripsPrefixLengthAndKeepsOnlyReadyValidAddresses() {
    InstancePage page = InstancePage.parse(new JsonObject(PAGE_1));

    assertThat(page.readyIpv6()).containsExactly("fd5a:1:2:1::7", "fd5a:1:2:1::a");
    // the ready ones without a usable address are reported, so the caller can log and count them
    assertThat(page.dropped()).containsExactly(
        new InstancePage.Dropped("inst_3", "", "missing_address"),
        new InstancePage.Dropped("inst_4", "not-an-address/128", "bad_address"),
        new InstancePage.Dropped("inst_5", "10.0.0.1", "bad_address"));
    assertThat(page.nextCursor()).isEqualTo("inst_7");
    assertThat(page.isLast()).isFalse();
  }

  @Test
  void pagesUntilTheCursorIsNull_camelCaseTolerated() {
    List<String> all = new ArrayList<>();
    String cursor = "start";
    for (String body : List.of(PAGE_1, PAGE_2)) {
      assertThat(cursor).isNotNull();
      InstancePage page = InstancePage.parse(new JsonObject(body));
      all.addAll(page.readyIpv6());
      cursor = page.nextCursor();
    }
    assertThat(cursor).isNull();
    assertThat(all).containsExactly("fd5a:1:2:1::7", "fd5a:1:2:1::a", "fd5a:1:2:2::1");

    CpRoute route = new CpRoute("rt", "app", "env", "a.example", 443, Protocol.TLS_PASSTHROUGH, "web", 8443, false,
        false, false, null, 1);
    assertThat(route.backendsFor(all)).first().isEqualTo(new Backend("fd5a:1:2:1::7", 8443))
        .hasToString("[fd5a:1:2:1::7]:8443");
  }

  @Test
  void emptyStringCursorMeansDone() {
    assertThat(InstancePage.parse(new JsonObject("{\"items\":[],\"next_cursor\":\"\"}")).isLast()).isTrue();
    assertThat(InstancePage.parse(new JsonObject("{\"items\":[]}")).isLast()).isTrue();
  }

  @Test
  void aBodyThatIsNotAPageIsAFailedFetch() {
    assertThatThrownBy(() -> InstancePage.parse(new JsonObject("{\"error\":1}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InstancePage.parse(new JsonObject("{\"items\":[1]}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InstancePage.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  /** An IPv4-mapped overlay address is a backend, as the same literal is in a static route. */
  @Test
  void ipv4MappedOverlayAddressIsAcceptedInMixedNotation() {
    assertThat(InstancePage.overlayAddress("::ffff:10.0.0.1/128")).isEqualTo("::ffff:10.0.0.1");
    assertThat(InstancePage.overlayAddress("::FFFF:a00:1")).isEqualTo("::ffff:10.0.0.1");
    InstancePage page = InstancePage.parse(new JsonObject(
        "{\"items\":[{\"id\":\"i\",\"status\":\"ready\",\"overlay_ipv6\":\"::ffff:127.0.0.1/128\"}]}"));
    assertThat(page.readyIpv6()).containsExactly("::ffff:127.0.0.1");
    assertThat(page.dropped()).isEmpty();
    // the backend it becomes is the one a static route makes of the same literal
    assertThat(new Backend(page.readyIpv6().get(0), 9443)).isEqualTo(Backend.parse("[::ffff:127.0.0.1]:9443"));
  }

  @Test
  void droppedTextIsClipped() {
    String longAddress = "x".repeat(500);
    InstancePage page = InstancePage.parse(new JsonObject().put("items", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("id", "i".repeat(500)).put("status", "ready").put("overlay_ipv6", longAddress))));
    assertThat(page.dropped()).singleElement().satisfies(d -> {
      assertThat(d.address()).hasSize(InstancePage.MAX_DROPPED_TEXT);
      assertThat(d.instanceId()).hasSize(InstancePage.MAX_DROPPED_TEXT);
      assertThat(d.reason()).isEqualTo("bad_address");
    });
  }

  @Test
  void overlayAddressEdgeCases() {
    assertThat(InstancePage.overlayAddress("fd5a::1/129")).isNull();
    assertThat(InstancePage.overlayAddress("fd5a::1/")).isNull();
    assertThat(InstancePage.overlayAddress("fd5a::zz/128")).isNull();
    assertThat(InstancePage.overlayAddress("fd5a::1%eth0")).isNull();
    assertThat(InstancePage.overlayAddress("localhost")).isNull();
    assertThat(InstancePage.overlayAddress(" fd5a:0:0:1:0:0:0:1 ")).isEqualTo("fd5a:0:0:1::1");
    assertThat(InstancePage.overlayAddress("fd5a:0:1:2:3:4:5:6")).isEqualTo("fd5a:0:1:2:3:4:5:6");
  }
}
