package dev.ghost.ingress.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Files through vertx-config: formats, the embedded default, the shipped conf/ files, file-level errors. */
@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  private static final Map<String, String> ENV = Map.of("GHOST_NODE_ID", "n1");

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    return file;
  }

  private static IngressConfig load(Vertx vertx, Path file, Map<String, String> env) {
    return ConfigLoader.load(vertx, file, env).await();
  }

  private static ConfigException loadError(Vertx vertx, Path file) {
    Throwable failure = ConfigLoader.load(vertx, file, ENV).transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause()))
        .await();
    assertThat(failure).isInstanceOf(ConfigException.class);
    ConfigException e = (ConfigException) failure;
    assertThat(e.oneLine()).doesNotContain("\n");
    return e;
  }

  @Test
  void commentOnlyTomlGivesTheDefaults(Vertx vertx) throws IOException {
    IngressConfig c = load(vertx, write("c.toml", "# only\n# comments\n"), ENV);
    assertThat(c.listen().ipv6()).containsExactly(new HostPort("::", 443));
    assertThat(c).isEqualTo(ConfigLoader.fromJson(new io.vertx.core.json.JsonObject(), ENV, "x"));
  }

  @Test
  void commentOnlyYamlGivesTheDefaults(Vertx vertx) throws IOException {
    for (String name : new String[] {"c.yaml", "c.yml"}) {
      IngressConfig c = load(vertx, write(name, "# only\n# comments\n"), ENV);
      assertThat(c).isEqualTo(ConfigLoader.fromJson(new io.vertx.core.json.JsonObject(), ENV, "x"));
    }
  }

  @Test
  void tomlYamlAndJsonLoadTheSameConfig(Vertx vertx) throws IOException {
    Path toml = write("same.toml", """
        [listen]
        ipv6 = ["[::1]:8443"]
        port_map = ["443=8443"]
        [proxy]
        sniff_timeout = "250ms"
        max_sniff_bytes = 1024
        tcp_keepalive = false
        idle_timeout = 0
        [limits]
        tcp_raw_deny_ports = [22, "137-139"]
        [[env]]
        id = "dev"
        [[route]]
        hostname = "a.example.com"
        port = 443
        backends = ["[::1]:9443"]
        env = "dev"
        """);
    Path yaml = write("same.yaml", """
        listen:
          ipv6: ["[::1]:8443"]
          port_map: ["443=8443"]
        proxy:
          sniff_timeout: 250ms
          max_sniff_bytes: 1024
          tcp_keepalive: false
          idle_timeout: 0
        limits:
          tcp_raw_deny_ports: [22, "137-139"]
        env:
          - id: dev
        route:
          - hostname: a.example.com
            port: 443
            backends: ["[::1]:9443"]
            env: dev
        """);
    Path json = write("same.json", """
        {"listen": {"ipv6": ["[::1]:8443"], "port_map": ["443=8443"]},
         "proxy": {"sniff_timeout": "250ms", "max_sniff_bytes": 1024, "tcp_keepalive": false, "idle_timeout": 0},
         "limits": {"tcp_raw_deny_ports": [22, "137-139"]},
         "env": [{"id": "dev"}],
         "route": [{"hostname": "a.example.com", "port": 443, "backends": ["[::1]:9443"], "env": "dev"}]}
        """);
    IngressConfig fromToml = load(vertx, toml, ENV);
    assertThat(fromToml.proxy().sniffTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(fromToml.limits().tcpRawDenyPorts()).containsExactly(22, 137, 138, 139);
    assertThat(fromToml.routes()).hasSize(1);
    assertThat(load(vertx, yaml, ENV)).isEqualTo(fromToml);
    assertThat(load(vertx, json, ENV)).isEqualTo(fromToml);
    assertThat(load(vertx, write("same.yml", Files.readString(yaml)), ENV)).isEqualTo(fromToml);
  }

  @Test
  void environmentOverridesTheFile(Vertx vertx) throws IOException {
    Path file = write("e.toml", "[admin]\nlisten = \"127.0.0.1:9901\"\n[log]\nlevel = \"info\"\n");
    IngressConfig c = load(vertx, file, Map.of("GHOST_ADMIN_ADDR", "127.0.0.1:0", "GHOST_LOG_LEVEL", "Trace",
        "GHOST_NODE_ID", "0755"));
    assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 0));
    assertThat(c.log().level()).isEqualTo("trace");
    assertThat(c.nodeId()).isEqualTo("0755");
  }

  @Test
  void embeddedDefaultLoadsWhenNoConfigIsGiven(Vertx vertx) {
    CommandLine.Run run = (CommandLine.Run) CommandLine.parse();
    IngressConfig c = ConfigLoader.load(vertx, run, ENV).await();
    assertThat(c).isEqualTo(ConfigLoader.fromJson(new io.vertx.core.json.JsonObject(), ENV, "x"));
    assertThat(c.routes()).isEmpty();
    IngressConfig overridden = ConfigLoader.load(vertx, run, Map.of("GHOST_LISTEN_ADDR_IPV6", "[::1]:0")).await();
    assertThat(overridden.listen().ipv6()).containsExactly(new HostPort("::1", 0));
  }

  @Test
  void configGivenOnTheCommandLineLoads(Vertx vertx) {
    CommandLine.Run run = (CommandLine.Run) CommandLine.parse("--config=conf/dev.toml");
    assertThat(ConfigLoader.load(vertx, run, ENV).await().routes()).hasSize(1);
  }

  @Test
  void shippedDevConfigLoads(Vertx vertx) {
    IngressConfig c = load(vertx, Path.of("conf/dev.toml"), ENV);
    assertThat(c.listen().ipv6()).containsExactly(new HostPort("::1", 8443));
    assertThat(c.listen().ipv4()).containsExactly(new HostPort("127.0.0.1", 8443));
    assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9901));
    assertThat(c.state().file()).isEqualTo("/tmp/ghost-ingress-dev-state.json");
    assertThat(c.envs()).containsExactly(new EnvSpec("dev", "127.0.0.1"));
    assertThat(c.routes()).containsExactly(new RouteSpec("myapp", "myapp.example.com", 8443, "tls_passthrough", "v2",
        List.of(), List.of(new HostPort("::1", 9443)), "dev", false, null, null, null));
  }

  @Test
  void shippedExampleConfigLoadsAsTheDefaults(Vertx vertx) {
    IngressConfig c = load(vertx, Path.of("conf/example.toml"), ENV);
    assertThat(c).isEqualTo(ConfigLoader.fromJson(new io.vertx.core.json.JsonObject(), ENV, "x"));
  }

  @Test
  void missingFileIsNamed(Vertx vertx) {
    Path missing = dir.resolve("nope.toml");
    assertThat(loadError(vertx, missing).oneLine()).isEqualTo(missing + ": no such file");
  }

  @Test
  void directoryIsRefused(Vertx vertx) throws IOException {
    Path sub = Files.createDirectory(dir.resolve("d.toml"));
    assertThat(loadError(vertx, sub).oneLine()).isEqualTo(sub + ": is a directory, not a config file");
  }

  @Test
  void unknownExtensionIsRefused(Vertx vertx) throws IOException {
    Path ini = write("c.ini", "a=b\n");
    assertThat(loadError(vertx, ini).oneLine())
        .isEqualTo(ini + ": unknown config format (expected a .toml, .yaml, .yml or .json file)");
  }

  @Test
  void syntaxErrorsAreOneLineNamingTheFile(Vertx vertx) throws IOException {
    Path toml = write("bad.toml", "[proxy\nsniff_timeout = \"1s\"\n");
    assertThat(loadError(vertx, toml).oneLine()).startsWith(toml + ": cannot parse: ");
    Path yaml = write("bad.yaml", "proxy: [unclosed\n");
    assertThat(loadError(vertx, yaml).oneLine()).startsWith(yaml + ": cannot parse: ");
    Path json = write("bad.json", "{\"proxy\": ");
    assertThat(loadError(vertx, json).oneLine()).startsWith(json + ": cannot parse: ");
  }

  @Test
  void validationErrorsNameTheFileAsGiven(Vertx vertx) throws IOException {
    Path toml = write("v.toml", "[proxy]\nsniff_timeout = \"5 seconds\"\n");
    assertThat(loadError(vertx, toml).oneLine()).isEqualTo(
        toml + ": proxy.sniff_timeout: expected <integer><unit> with unit ms|s|m|h, got '5 seconds'");
  }

  @Test
  void relativeNameNeverFallsBackToTheClasspath(Vertx vertx) {
    // default.toml exists on the classpath; a missing ./default.toml must still be an error
    assertThatThrownBy(() -> load(vertx, Path.of("default.toml"), ENV))
        .isInstanceOf(ConfigException.class).hasMessage("default.toml: no such file");
  }
}
