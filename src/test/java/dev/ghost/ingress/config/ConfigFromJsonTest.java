package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Validation and environment overrides, without files or Vert.x: {@link ConfigLoader#fromJson}. */
class ConfigFromJsonTest {

  private static final String FILE = "conf/x.toml";

  static JsonObject toml(String text) {
    try {
      return TomlConfigProcessor.parse(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static IngressConfig load(String tomlText, Map<String, String> env) {
    return ConfigLoader.fromJson(toml(tomlText), env, FILE, () -> "test-host");
  }

  static String error(String tomlText, Map<String, String> env) {
    try {
      load(tomlText, env);
    } catch (ConfigException e) {
      assertThat(e.oneLine()).doesNotContain("\n").isEqualTo(e.getMessage());
      return e.oneLine();
    }
    throw new AssertionError("no ConfigException for: " + tomlText + " " + env);
  }

  /** admin.allowed_hosts: names compared as a Host header is (lower case, no trailing dot); anything else refused. */
  @Test
  void adminAllowedHostsAreNormalisedHostNames() {
    IngressConfig c = load("[admin]\nallowed_hosts = [\"Admin.Node1.Internal.\", \"ops\"]\n", Map.of());
    assertThat(c.admin().allowedHosts()).containsExactly("admin.node1.internal", "ops");
    assertThat(load("", Map.of("GHOST_ADMIN_ALLOWED_HOSTS", "a.example,b.example")).admin().allowedHosts())
        .containsExactly("a.example", "b.example");
    assertThat(error("[admin]\nallowed_hosts = [\"evil.example:80\"]\n", Map.of()))
        .startsWith(FILE + ": admin.allowed_hosts").contains("expected a host name");
    assertThat(error("", Map.of("GHOST_ADMIN_ALLOWED_HOSTS", "a b"))).contains("GHOST_ADMIN_ALLOWED_HOSTS");
  }

  @Test
  void commentOnlyFileGivesEveryDefault() {
    IngressConfig c = load("# nothing here\n  # really\n", Map.of());
    assertThat(c.listen().ipv6()).containsExactly(new HostPort("::", 443));
    assertThat(c.listen().ipv4()).isEmpty();
    assertThat(c.listen().portMap()).isEmpty();
    assertThat(c.admin()).isEqualTo(new IngressConfig.Admin(new HostPort("127.0.0.1", 9901), null, List.of()));
    assertThat(c.log()).isEqualTo(new IngressConfig.Log("info", true));
    assertThat(c.proxy()).isEqualTo(new IngressConfig.Proxy(Duration.ofMillis(200), 8192, Duration.ofSeconds(2), 3,
        Duration.ZERO, Duration.ofSeconds(30), Duration.ofSeconds(60), true, Duration.ofSeconds(1),
        Duration.ofSeconds(300), 0, true));
    assertThat(c.limits().maxConnections()).isZero();
    assertThat(c.limits().maxConnectionsPerIp()).isZero();
    assertThat(c.limits().maxConnectionsPerRoute()).isZero();
    assertThat(c.limits().tcpRawDenyPorts()).containsExactly(23, 25, 137, 138, 139);
    assertThat(c.limits().tcpRawAllowPorts()).isEmpty();
    assertThat(c.health()).isEqualTo(new IngressConfig.Health(Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3, true));
    assertThat(c.controlPlane()).isEqualTo(new IngressConfig.ControlPlane(null, null, null, Duration.ofSeconds(1), true,
        Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofSeconds(5), 8, 200_000));
    assertThat(c.state().file()).isEqualTo("/var/lib/ghost/ingress-state.json");
    assertThat(c.cluster()).isEqualTo(new IngressConfig.Cluster(List.of(), null, 5701, "ghost-ingress", 0));
    assertThat(c.nodeId()).isEqualTo("test-host");
    assertThat(c.envs()).isEmpty();
    assertThat(c.routes()).isEmpty();
  }

  @Test
  void emptyDocumentIsValidToo() {
    assertThat(load("", Map.of())).isEqualTo(load("# c", Map.of()));
  }

  @Test
  void environmentWinsOverTheFile() {
    String file = """
        [listen]
        ipv6 = ["[::1]:8443"]
        [proxy]
        sniff_timeout = "1s"
        max_sniff_bytes = 4096
        tcp_keepalive = true
        [log]
        level = "warn"
        [node]
        id = "from-file"
        """;
    Map<String, String> env = Map.of(
        "GHOST_LISTEN_ADDR_IPV6", "[::]:9443, [::1]:9444",
        "GHOST_SNIFF_TIMEOUT", "300ms",
        "GHOST_MAX_SNIFF_BYTES", "1024",
        "GHOST_TCP_KEEPALIVE", "FALSE",
        "GHOST_LOG_LEVEL", "DEBUG",
        "GHOST_NODE_ID", "from-env");
    IngressConfig c = load(file, env);
    assertThat(c.listen().ipv6()).containsExactly(new HostPort("::", 9443), new HostPort("::1", 9444));
    assertThat(c.proxy().sniffTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(c.proxy().maxSniffBytes()).isEqualTo(1024);
    assertThat(c.proxy().tcpKeepAlive()).isFalse();
    assertThat(c.log().level()).isEqualTo("debug");
    assertThat(c.nodeId()).isEqualTo("from-env");

    IngressConfig fileOnly = load(file, Map.of());
    assertThat(fileOnly.proxy().sniffTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(fileOnly.log().level()).isEqualTo("warn");
    assertThat(fileOnly.nodeId()).isEqualTo("from-file");
  }

  @Test
  void environmentValuesAreRawStringsNeverTypeGuessed() {
    Map<String, String> env = Map.of(
        "GHOST_NODE_ID", "0755",
        "GHOST_ADMIN_TOKEN", "1e3",
        "GHOST_ORG_ID", "true",
        "GHOST_CLUSTER_NAME", "00042",
        "GHOST_CLUSTER_PORT", "05701");
    IngressConfig c = load("", env);
    assertThat(c.nodeId()).isEqualTo("0755");
    assertThat(c.admin().token()).isEqualTo("1e3");
    assertThat(c.controlPlane().orgId()).isEqualTo("true");
    assertThat(c.cluster().name()).isEqualTo("00042");
    assertThat(c.cluster().port()).isEqualTo(5701); // decimal, not octal
  }

  @Test
  void emptyEnvironmentValueEmptiesListsAndClearsOptionalStrings() {
    String file = """
        [cluster]
        members = ["10.0.0.1", "10.0.0.2:5702"]
        [admin]
        token = "secret"
        """;
    assertThat(load(file, Map.of()).cluster().members()).containsExactly("10.0.0.1", "10.0.0.2:5702");
    IngressConfig c = load(file, Map.of("GHOST_CLUSTER_MEMBERS", "", "GHOST_ADMIN_TOKEN", ""));
    assertThat(c.cluster().members()).isEmpty();
    assertThat(c.admin().token()).isNull();
  }

  @Test
  void nodeIdFallsBackToHostnameVariableThenLookup() {
    assertThat(load("", Map.of("HOSTNAME", "box-7")).nodeId()).isEqualTo("box-7");
    assertThat(load("", Map.of()).nodeId()).isEqualTo("test-host");
  }

  @Test
  void portMapFromEnvironmentFileArrayAndFileTable() {
    assertThat(load("", Map.of("GHOST_PORT_MAP", "443=8443, 80=0")).listen().portMap())
        .containsExactly(Map.entry(443, 8443), Map.entry(80, 0));
    IngressConfig.Listen listen = load("[listen]\nport_map = [\"443=8443\"]\n", Map.of()).listen();
    assertThat(listen.portMap()).containsExactly(Map.entry(443, 8443));
    assertThat(listen.bindPort(443)).isEqualTo(8443);
    assertThat(listen.bindPort(80)).isEqualTo(80);
    assertThat(load("[listen]\nport_map = { 443 = 8443 }\n", Map.of()).listen().portMap())
        .containsExactly(Map.entry(443, 8443));
  }

  @Test
  void portSetsTakeRangesFromEnvironmentAndFile() {
    assertThat(load("", Map.of("GHOST_TCP_RAW_DENY_PORTS", "22, 6000-6002")).limits().tcpRawDenyPorts())
        .containsExactly(22, 6000, 6001, 6002);
    assertThat(load("[limits]\ntcp_raw_allow_ports = [5432, \"8000-8001\"]\n", Map.of()).limits()
        .tcpRawAllowPorts()).containsExactly(5432, 8000, 8001);
    assertThat(load("", Map.of("GHOST_TCP_RAW_DENY_PORTS", "")).limits().tcpRawDenyPorts()).isEmpty();
  }

  @Test
  void zeroDurationsOnlyWhereTheTableAllowsThem() {
    IngressConfig c = load("[proxy]\nidle_timeout = 0\ndrain_timeout = \"0\"\n", Map.of());
    assertThat(c.proxy().idleTimeout()).isZero();
    assertThat(c.proxy().drainTimeout()).isZero();
    assertThat(error("[proxy]\nshutdown_timeout = \"0s\"\n", Map.of()))
        .isEqualTo("conf/x.toml: proxy.shutdown_timeout: must be greater than 0");
  }

  @Test
  void staticRoutesAndEnvs() {
    IngressConfig c = load("""
        [[env]]
        id = "dev"
        ipv4 = "127.0.0.1"

        [[route]]
        id = "myapp"
        hostname = "MyApp.Example.com"
        port = 8443
        protocol = "tls_passthrough"
        proxy_protocol = "v2"
        proxy_protocol_tlvs = ["authority", "crc32c"]
        backends = ["[::1]:9443", "127.0.0.1:9444"]
        env = "dev"
        allow_non_tls = true
        idle_timeout = "10m"
        drain_timeout = 0
        max_connections = 100

        [[route]]
        port = 5432
        protocol = "tcp_raw"
        hostname = "ignored.example.com"
        backends = ["db.internal:5432"]
        """, Map.of());
    assertThat(c.envs()).containsExactly(new EnvSpec("dev", "127.0.0.1"));
    assertThat(c.routes()).containsExactly(
        new RouteSpec("myapp", "MyApp.Example.com", 8443, "tls_passthrough", "v2", List.of("authority", "crc32c"),
            List.of(new HostPort("::1", 9443), new HostPort("127.0.0.1", 9444)), "dev", true,
            Duration.ofMinutes(10), Duration.ZERO, 100),
        new RouteSpec("1", null, 5432, "tcp_raw", "off", List.of(), List.of(new HostPort("db.internal", 5432)), null,
            false, null, null, null));
  }

  /** Each bad input gives exactly this line. */
  @ParameterizedTest(name = "{2}")
  @CsvSource(delimiter = '^', textBlock = """
      [proxy]\\nsniff_timeout = "5 seconds"                 ^ ^ conf/x.toml: proxy.sniff_timeout: expected <integer><unit> with unit ms|s|m|h, got '5 seconds'
      [proxy]\\nsniff_timeout = 5                           ^ ^ conf/x.toml: proxy.sniff_timeout: expected <integer><unit> with unit ms|s|m|h as a string (e.g. "5s"), got integer 5
      ''                                                   ^ GHOST_SNIFF_TIMEOUT=5 ^ environment: GHOST_SNIFF_TIMEOUT: expected <integer><unit> with unit ms|s|m|h, got '5'
      [proxy]\\nsnif_timeout = "5s"                         ^ ^ conf/x.toml: proxy.snif_timeout: unknown key (known in [proxy]: connect_attempts, connect_timeout, drain_timeout, eject_base, eject_max, event_loops, idle_timeout, max_sniff_bytes, native_transport, shutdown_timeout, sniff_timeout, tcp_keepalive)
      [proxi]\\nsniff_timeout = "5s"                        ^ ^ conf/x.toml: proxi: unknown key (known tables: admin, cluster, config, control_plane, health, limits, listen, log, node, proxy, state, env, route)
      proxy = 5                                            ^ ^ conf/x.toml: proxy: expected a table ([proxy]), got integer 5
      [route]\\nport = 443                                  ^ ^ conf/x.toml: route: expected an array of tables ([[route]]), got a table
      [proxy]\\nmax_sniff_bytes = 100                       ^ ^ conf/x.toml: proxy.max_sniff_bytes: must be between 512 and 65536, got 100
      [proxy]\\nmax_sniff_bytes = "8192"                    ^ ^ conf/x.toml: proxy.max_sniff_bytes: expected an integer, got string '8192'
      ''                                                   ^ GHOST_MAX_SNIFF_BYTES=70000 ^ environment: GHOST_MAX_SNIFF_BYTES: must be between 512 and 65536, got 70000
      ''                                                   ^ GHOST_CONNECT_ATTEMPTS=many ^ environment: GHOST_CONNECT_ATTEMPTS: expected an integer, got 'many'
      [proxy]\\nconnect_attempts = 0                        ^ ^ conf/x.toml: proxy.connect_attempts: must be between 1 and 10, got 0
      [proxy]\\neject_base = "10s"\\neject_max = "5s"        ^ ^ conf/x.toml: proxy.eject_max: must be at least proxy.eject_base (10s), got 5s
      [proxy]\\ntcp_keepalive = "yes"                       ^ ^ conf/x.toml: proxy.tcp_keepalive: expected true|false, got string 'yes'
      ''                                                   ^ GHOST_ACCESS_LOG=yes ^ environment: GHOST_ACCESS_LOG: expected true|false, got 'yes'
      ''                                                   ^ GHOST_LOG_LEVEL=verbose ^ environment: GHOST_LOG_LEVEL: expected trace|debug|info|warn|error, got 'verbose'
      [listen]\\nipv6 = ["::1:443"]                         ^ ^ conf/x.toml: listen.ipv6[0]: expected host:port (IPv6 in brackets), got '::1:443'
      ''                                                   ^ GHOST_LISTEN_ADDR_IPV4=0.0.0.0:443,,1.2.3.4:443 ^ environment: GHOST_LISTEN_ADDR_IPV4: empty item 2 in list '0.0.0.0:443,,1.2.3.4:443'
      ''                                                   ^ GHOST_PORT_MAP=443:8443 ^ environment: GHOST_PORT_MAP: expected route_port=bind_port, got '443:8443'
      ''                                                   ^ GHOST_PORT_MAP=0=8443 ^ environment: GHOST_PORT_MAP: route port must be 1-65535 in '0=8443'
      ''                                                   ^ GHOST_PORT_MAP=443=70000 ^ environment: GHOST_PORT_MAP: bind port must be 0-65535 in '443=70000'
      ''                                                   ^ GHOST_PORT_MAP=443=1;443=2 ^ environment: GHOST_PORT_MAP: bind port is not a number in '443=1;443=2'
      [listen]\\nport_map = ["443=1", "443=2"]              ^ ^ conf/x.toml: listen.port_map[1]: route port 443 is mapped twice
      ''                                                   ^ GHOST_TCP_RAW_DENY_PORTS=23,139-137 ^ environment: GHOST_TCP_RAW_DENY_PORTS: empty port range '139-137'
      ''                                                   ^ GHOST_TCP_RAW_DENY_PORTS=0 ^ environment: GHOST_TCP_RAW_DENY_PORTS: port must be 1-65535 in '0'
      ''                                                   ^ GHOST_CONTROL_PLANE_URL=cp.example.com ^ environment: GHOST_CONTROL_PLANE_URL: expected an http:// or https:// URL with a host, got 'cp.example.com'
      [cluster]\\nname = ""                                 ^ ^ conf/x.toml: cluster.name: must not be empty
      [node]\\nid = 42                                      ^ ^ conf/x.toml: node.id: expected a string, got integer 42
      [[route]]\\nport = 443\\nbackends = ["b:1"]            ^ ^ conf/x.toml: route[0].hostname: required for protocol tls_passthrough
      [[route]]\\nhostname = "a"\\nbackends = ["b:1"]        ^ ^ conf/x.toml: route[0].port: required
      [[route]]\\nhostname = "a"\\nport = 0\\nbackends = ["b:1"] ^ ^ conf/x.toml: route[0].port: must be between 1 and 65535, got 0
      [[route]]\\nhostname = "a"\\nport = 443                 ^ ^ conf/x.toml: route[0].backends: required: a non-empty list of host:port
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = [] ^ ^ conf/x.toml: route[0].backends: must not be empty
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = "b:1" ^ ^ conf/x.toml: route[0].backends: expected an array, got string 'b:1'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1", "nope"] ^ ^ conf/x.toml: route[0].backends[1]: expected host:port (IPv6 in brackets), got 'nope'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:0"] ^ ^ conf/x.toml: route[0].backends[0]: backend port must be 1-65535, got 'b:0'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nprotocol = "http" ^ ^ conf/x.toml: route[0].protocol: expected tcp_raw|tls_passthrough, got 'http'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nproxy_protocol = "v1" ^ ^ conf/x.toml: route[0].proxy_protocol: expected off|v2, got 'v1'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nproxy_protocol_tlvs = ["authority"] ^ ^ conf/x.toml: route[0].proxy_protocol_tlvs: needs proxy_protocol = "v2"
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nproxy_protocol = "v2"\\nproxy_protocol_tlvs = ["ssl"] ^ ^ conf/x.toml: route[0].proxy_protocol_tlvs[0]: expected authority|crc32c|unique_id, got 'ssl'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nenv = "prod" ^ ^ conf/x.toml: route[0].env: no [[env]] with id 'prod'
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nbackend = ["c:1"] ^ ^ conf/x.toml: route[0].backend: unknown key (known: allow_non_tls, backends, drain_timeout, env, hostname, id, idle_timeout, max_connections, port, protocol, proxy_protocol, proxy_protocol_tlvs)
      [[route]]\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\nidle_timeout = "1 min" ^ ^ conf/x.toml: route[0].idle_timeout: expected <integer><unit> with unit ms|s|m|h, got '1 min'
      [[route]]\\nid = "x"\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\n[[route]]\\nid = "x"\\nhostname = "b"\\nport = 443\\nbackends = ["b:1"] ^ ^ conf/x.toml: route[1].id: duplicate route id 'x'
      [[route]]\\nid = "1"\\nhostname = "a"\\nport = 443\\nbackends = ["b:1"]\\n[[route]]\\nhostname = "b"\\nport = 443\\nbackends = ["b:1"] ^ ^ conf/x.toml: route[1]: default id '1' is taken by another route
      [[env]]\\nid = "a"\\n[[env]]\\nid = "a"                ^ ^ conf/x.toml: env[1].id: duplicate env id 'a'
      [[env]]\\nipv4 = "127.0.0.1"                         ^ ^ conf/x.toml: env[0].id: required
      [[env]]\\nid = "a"\\nipv4 = "300.0.0.1"                ^ ^ conf/x.toml: env[0].ipv4: expected an IPv4 address (a.b.c.d), got '300.0.0.1'
      [[env]]\\nid = "a"\\nipv6 = "::1"                      ^ ^ conf/x.toml: env[0].ipv6: unknown key (known: id, ipv4)
      """)
  void eachValidationErrorIsOneLine(String tomlText, String envPair, String expected) {
    Map<String, String> env = new HashMap<>();
    if (envPair != null) {
      int eq = envPair.indexOf('=');
      env.put(envPair.substring(0, eq), envPair.substring(eq + 1));
    }
    assertThat(error(tomlText.replace("\\n", "\n"), env)).isEqualTo(expected);
  }

  @Test
  void unknownGhostVariablesAreReportedNotFatal() {
    Map<String, String> env = Map.of("GHOST_SNIF_TIMEOUT", "1s", "GHOST_LOG_LEVEL", "info", "PATH", "/bin");
    assertThat(Settings.unknownEnvVars(env)).containsExactly("GHOST_SNIF_TIMEOUT");
    assertThat(load("", env).proxy().sniffTimeout()).isEqualTo(Duration.ofMillis(200));
  }

}
