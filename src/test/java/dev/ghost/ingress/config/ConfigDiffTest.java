package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link ConfigDiff}: which keys a reload applies, which need a restart, and what is put in force. */
class ConfigDiffTest {

  private static final String BASE = """
      [listen]
      ipv6 = ["[::1]:8443"]
      [log]
      level = "info"
      [proxy]
      sniff_timeout = "200ms"
      [[route]]
      id = "a"
      hostname = "a.example.com"
      port = 8443
      backends = ["[::1]:9443"]
      """;

  private static IngressConfig load(String toml) {
    return load(toml, Map.of());
  }

  private static IngressConfig load(String toml, Map<String, String> env) {
    return ConfigLoader.fromJson(ConfigFromJsonTest.toml(toml), env, "conf/x.toml", () -> "test-host");
  }

  @Test
  void identicalConfigsChangeNothing() {
    ConfigDiff diff = ConfigDiff.of(load(BASE), load(BASE));
    assertThat(diff.applies()).isFalse();
    assertThat(diff.changed()).isEmpty();
    assertThat(diff.restartOnly()).isEmpty();
  }

  @Test
  void liveKeysAreNamedAndApplied() {
    IngressConfig next = load(BASE.replace("level = \"info\"", "level = \"debug\"")
        .replace("sniff_timeout = \"200ms\"", "sniff_timeout = \"1s\"")
        + "[health]\ninterval = \"7s\"\n");
    ConfigDiff diff = ConfigDiff.of(load(BASE), next);
    assertThat(diff.changed()).containsExactly("log.level", "proxy.sniff_timeout", "health.interval");
    assertThat(diff.restartOnly()).isEmpty();
    assertThat(diff.effective()).isEqualTo(next);
  }

  @Test
  void staticRoutesAndListenersAreLive() {
    IngressConfig next = load(BASE.replace("[::1]:8443", "[::1]:8443\", \"[::1]:9443")
        .replace("a.example.com", "b.example.com"));
    ConfigDiff diff = ConfigDiff.of(load(BASE), next);
    assertThat(diff.changed()).containsExactly("listen.ipv6", "route");
  }

  @Test
  void restartOnlyKeysAreReportedAndKept() {
    IngressConfig current = load(BASE);
    IngressConfig next = load(BASE + """
        [node]
        id = "other"
        [admin]
        listen = "127.0.0.1:9999"
        [control_plane]
        poll_interval = "3s"
        [cluster]
        port = 5801
        [state]
        file = "/tmp/elsewhere.json"
        """);
    ConfigDiff diff = ConfigDiff.of(current, next);
    assertThat(diff.restartOnly()).containsExactlyInAnyOrder("node.id", "admin.listen",
        "control_plane.poll_interval", "cluster.port", "state.file");
    assertThat(diff.applies()).isFalse();
    assertThat(diff.effective()).isEqualTo(current);
  }

  @Test
  void restartOnlyProxyKeysKeepTheirValueWhileLiveOnesApply() {
    IngressConfig current = load(BASE);
    IngressConfig next = load(BASE.replace("sniff_timeout = \"200ms\"",
        "sniff_timeout = \"300ms\"\nevent_loops = 3\ntcp_keepalive = false\neject_base = \"2s\""));
    ConfigDiff diff = ConfigDiff.of(current, next);
    assertThat(diff.changed()).containsExactly("proxy.sniff_timeout");
    assertThat(diff.restartOnly()).containsExactly("proxy.tcp_keepalive", "proxy.eject_base", "proxy.event_loops");
    assertThat(diff.effective().proxy().sniffTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(diff.effective().proxy().eventLoops()).isEqualTo(current.proxy().eventLoops());
    assertThat(diff.effective().proxy().tcpKeepAlive()).isTrue();
    assertThat(diff.effective().proxy().ejectBase()).isEqualTo(current.proxy().ejectBase());
  }

  @Test
  void environmentStillWinsOverTheReloadedFile() {
    Map<String, String> env = Map.of("GHOST_LOG_LEVEL", "warn");
    ConfigDiff diff = ConfigDiff.of(load(BASE, env), load(BASE.replace("\"info\"", "\"debug\""), env));
    assertThat(diff.applies()).isFalse();
  }

  @Test
  void scanPeriodIsLive() {
    ConfigDiff diff = ConfigDiff.of(load(BASE), load(BASE + "[config]\nscan_period = \"0\"\n"));
    assertThat(diff.changed()).containsExactly("config.scan_period");
    assertThat(diff.effective().reload().scanPeriod()).isZero();
  }

  @Test
  void liveConfigNotifiesOnlyWhenSomethingApplies() {
    LiveConfig live = new LiveConfig(load(BASE));
    List<ConfigDiff> seen = new ArrayList<>();
    live.onChange(d -> {
      assertThat(live.current()).isSameAs(d.effective());
      seen.add(d);
    });
    live.apply(load(BASE + "[node]\nid = \"x\"\n"));
    assertThat(seen).isEmpty();
    assertThat(live.current().nodeId()).isEqualTo("test-host");
    live.apply(load(BASE.replace("\"info\"", "\"error\"")));
    assertThat(seen).hasSize(1);
    assertThat(live.current().log().level()).isEqualTo("error");
  }

  /**
   * For every setting: an environment value other than its default is read into that setting's own field and no
   * other (so a reader cannot fill the wrong field), and a reload applies it or keeps the old one exactly as
   * {@link Settings#applied} says. A setting added without its accessor, class or reader fails here.
   */
  @Test
  void everySettingIsReadIntoItsOwnFieldAndReloadsAsItsClassSays() {
    IngressConfig base = load(BASE);
    for (Settings s : Settings.values()) {
      Map<String, String> env = new java.util.HashMap<>(companions(s));
      env.put(s.envVar(), otherValue(s));
      IngressConfig next = load(BASE, env);
      assertThat(s.valueIn(next)).as(s.key() + " read from " + s.envVar()).isNotEqualTo(s.valueIn(base));
      for (Settings t : Settings.values()) {
        if (t != s && !companions(s).containsKey(t.envVar())) {
          assertThat(t.valueIn(next)).as(t.key() + " unchanged by " + s.envVar()).isEqualTo(t.valueIn(base));
        }
      }
      ConfigDiff diff = ConfigDiff.of(base, next);
      if (s.applied() == Settings.Applied.LIVE) {
        assertThat(diff.changed()).as(s.key()).contains(s.key());
        assertThat(s.valueIn(diff.effective())).as(s.key() + " applied").isEqualTo(s.valueIn(next));
      } else {
        assertThat(diff.restartOnly()).as(s.key()).contains(s.key());
        assertThat(s.valueIn(diff.effective())).as(s.key() + " kept").isEqualTo(s.valueIn(base));
      }
    }
  }

  /** A valid value of {@code s} other than its default, in environment syntax. */
  private static String otherValue(Settings s) {
    return switch (s.type()) {
      case HOST_PORT_LIST -> "[::1]:7443";
      case HOST_PORT -> "127.0.0.1:7901";
      case PORT_MAP -> "443=7443";
      case STRING -> "/tmp/other-" + s.shortKey();
      case STRING_LIST -> s == Settings.CLUSTER_MEMBERS ? "[::1]:5701" : "other.example.com";
      case LOG_LEVEL -> "debug";
      case BOOL -> String.valueOf(!Boolean.parseBoolean(s.defaultValue()));
      case DURATION, DURATION_OR_ZERO -> "7s";
      case INT -> String.valueOf(Math.min(s.max(), Long.parseLong(s.defaultValue()) + 1));
      case PORT_SET -> "8000-8001";
      case URL -> "http://127.0.0.1:7080";
    };
  }

  /** What else must be set for {@code s}'s other value to be a valid configuration. */
  private static Map<String, String> companions(Settings s) {
    return switch (s) {
      case CLUSTER_MEMBERS -> Map.of(Settings.CLUSTER_INSECURE.envVar(), "true");
      default -> Map.of();
    };
  }
}
