package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The settings table is the single source: the docs table, example file and the interface's fixed names. */
class SettingsTest {

  /** A commented-out TOML line: a table header or {@code key = value}, as opposed to prose. */
  private static final Pattern COMMENTED_TOML = Pattern.compile("^#\\s?(\\[\\[?[a-z_]+]]?\\s*|[a-z_0-9]+\\s*=.*)$");

  private static String uncomment(String toml) {
    return toml.lines()
        .map(line -> {
          var m = COMMENTED_TOML.matcher(line);
          return m.matches() ? m.group(1) : line;
        })
        .collect(Collectors.joining("\n"));
  }

  @Test
  void exampleTomlShowsEveryKeyAndItsDefaultIsTheRealDefault() throws IOException {
    String example = Files.readString(Path.of("conf/example.toml"));
    JsonObject uncommented = ConfigFromJsonTest.toml(uncomment(example));
    for (Settings s : Settings.values()) {
      JsonObject table = uncommented.getJsonObject(s.table());
      assertThat(table).as("[%s] in conf/example.toml", s.table()).isNotNull();
      assertThat(table.containsKey(s.shortKey())).as("%s in conf/example.toml", s.key()).isTrue();
    }
    // every shown value is the default: with routes and envs aside, it loads to the comment-only config
    Map<String, String> env = Map.of("GHOST_NODE_ID", "n");
    IngressConfig shown = ConfigLoader.fromJson(uncommented, env, "example");
    IngressConfig defaults = ConfigLoader.fromJson(new JsonObject(), env, "empty");
    assertThat(shown.listen()).isEqualTo(defaults.listen());
    assertThat(shown.admin()).isEqualTo(defaults.admin());
    assertThat(shown.log()).isEqualTo(defaults.log());
    assertThat(shown.proxy()).isEqualTo(defaults.proxy());
    assertThat(shown.limits()).isEqualTo(defaults.limits());
    assertThat(shown.health()).isEqualTo(defaults.health());
    assertThat(shown.controlPlane()).isEqualTo(defaults.controlPlane());
    assertThat(shown.state()).isEqualTo(defaults.state());
    assertThat(shown.cluster()).isEqualTo(defaults.cluster());
    assertThat(shown.reload()).isEqualTo(defaults.reload());
    // and the commented [[env]]/[[route]] example is valid, using every route key
    assertThat(shown.envs()).hasSize(1);
    assertThat(shown.routes()).hasSize(1);
    assertThat(uncommented.getJsonArray("route").getJsonObject(0).fieldNames()).hasSize(12);
  }

  @Test
  void generatedDocsTableIsUpToDate() throws IOException {
    // docs/configuration.md carries the table between markers; regenerate it from Settings.markdownTable() on change
    String readme = Files.readString(Path.of("docs/configuration.md"));
    String start = "<!-- settings-table:start (generated from config.Settings; SettingsTest checks it) -->\n";
    int from = readme.indexOf(start);
    int to = readme.indexOf("<!-- settings-table:end -->");
    assertThat(from).as("docs/configuration.md settings table markers").isNotNegative();
    assertThat(readme.substring(from + start.length(), to)).isEqualTo(Settings.markdownTable());
  }

  @Test
  void tableHasOneRowPerSettingWithUniqueNames() {
    String table = Settings.markdownTable();
    assertThat(table.lines()).hasSize(Settings.values().length + 2);
    Set<String> envVars = new HashSet<>();
    Set<String> keys = new HashSet<>();
    for (Settings s : Settings.values()) {
      assertThat(envVars.add(s.envVar())).as(s.envVar()).isTrue();
      assertThat(keys.add(s.key())).as(s.key()).isTrue();
      assertThat(s.envVar()).startsWith("GHOST_");
      assertThat(table).contains("| `" + s.envVar() + "` | `" + s.key() + "` |");
    }
  }

  @Test
  void fixedNamesOfTheInterfaceAreKept() {
    Map<String, String> fixed = Map.ofEntries(
        Map.entry("GHOST_LISTEN_ADDR_IPV6", "listen.ipv6"),
        Map.entry("GHOST_LISTEN_ADDR_IPV4", "listen.ipv4"),
        Map.entry("GHOST_ADMIN_ADDR", "admin.listen"),
        Map.entry("GHOST_ADMIN_TOKEN", "admin.token"),
        Map.entry("GHOST_LOG_LEVEL", "log.level"),
        Map.entry("GHOST_HEALTH_CHECK_INTERVAL", "health.interval"),
        Map.entry("GHOST_CONTROL_PLANE_URL", "control_plane.url"),
        Map.entry("GHOST_API_TOKEN", "control_plane.token"),
        Map.entry("GHOST_ORG_ID", "control_plane.org_id"),
        Map.entry("GHOST_SYNC_POLL_INTERVAL", "control_plane.poll_interval"),
        Map.entry("GHOST_STATE_FILE", "state.file"),
        Map.entry("GHOST_CLUSTER_MEMBERS", "cluster.members"),
        Map.entry("GHOST_CLUSTER_HOST", "cluster.host"),
        Map.entry("GHOST_CLUSTER_PORT", "cluster.port"),
        Map.entry("GHOST_CLUSTER_NAME", "cluster.name"),
        Map.entry("GHOST_EVENTBUS_PORT", "cluster.eventbus_port"),
        Map.entry("GHOST_NODE_ID", "node.id"),
        Map.entry("GHOST_PORT_MAP", "listen.port_map"));
    Map<String, String> actual = new java.util.HashMap<>();
    for (Settings s : Settings.values()) {
      actual.put(s.envVar(), s.key());
    }
    assertThat(actual).containsAllEntriesOf(fixed);
  }
}
