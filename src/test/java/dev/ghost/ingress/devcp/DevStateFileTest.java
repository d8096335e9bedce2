package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The TOML state file: the shipped example reads, invalid files fail with one line, writing reads back. */
class DevStateFileTest {

  static final String HEAD = """
      org = "org_1"
      token = "t"
      [[env]]
      id = "env_1"
      app = "app_1"
      """;

  @Test
  void shippedExampleReads() throws Exception {
    DevState s = DevStateFile.parse(Files.readString(Path.of("conf/dev-control-plane.toml")), "example");
    assertThat(s.org()).isEqualTo("org_01JFW0000000000000000000");
    assertThat(s.token()).isEqualTo("dev-token");
    assertThat(s.envs().values()).singleElement().satisfies(e -> assertThat(e.ipv4()).isEqualTo("127.0.0.1"));
    DevState.Route r = s.routes().values().iterator().next();
    assertThat(r.hostname()).isEqualTo("myapp.example.com");
    assertThat(r.listenPort()).isEqualTo(8443);
    assertThat(r.protocol()).isEqualTo(DevState.TLS_PASSTHROUGH);
    assertThat(r.proxyProtocol()).isEqualTo(DevState.PROXY_V2);
    assertThat(r.backendPort()).isEqualTo(9443);
    assertThat(r.app()).isEqualTo("app_01JFW0000000000000000000"); // taken from the env
    DevState.Instance i = s.instances().values().iterator().next();
    assertThat(i.overlayIpv6()).isEqualTo("::1");
    assertThat(i.status()).isEqualTo("ready");
  }

  @Test
  void defaultsApply() throws Exception {
    DevState s = DevStateFile.parse(HEAD + """
        [[route]]
        id = "rt_1"
        env = "env_1"
        listen_port = 5432
        protocol = "tcp_raw"
        backend_port = 5432
        [[instance]]
        id = "inst_1"
        env = "env_1"
        """, "f");
    DevState.Route r = s.routes().get("rt_1");
    assertThat(r.processType()).isEqualTo("web");
    assertThat(r.proxyProtocol()).isEqualTo("off");
    assertThat(r.hostname()).isEmpty();
    assertThat(s.instances().get("inst_1").status()).isEqualTo("ready");
    assertThat(s.instances().get("inst_1").overlayIpv6()).isNull();
  }

  @Test
  void invalidFilesFailWithOneLineNamingTheEntry() {
    assertBad("colour = \"red\"\n" + HEAD, "f: colour: unknown key");
    assertBad(HEAD + "colour = \"red\"\n", "f: env[0].colour: unknown key");
    assertBad(HEAD + "[[route]]\nid=\"rt_1\"\nenv=\"env_1\"\nhostname=\"a\"\nlisten_port=1\nprotocol=\"udp\"\n"
        + "backend_port=1\n", "f: route[0].protocol: expected one of [tcp_raw, tls_passthrough], got 'udp'");
    assertBad(HEAD + "[[route]]\nid=\"rt_1\"\nenv=\"env_9\"\n", "f: route[0].env: no [[env]] with id 'env_9'");
    assertBad(HEAD + "[[route]]\nid=\"rt_1\"\nenv=\"env_1\"\nhostname=\"a\"\nlisten_port=70000\n"
        + "protocol=\"tcp_raw\"\nbackend_port=1\n", "f: route[0].listen_port: expected an integer 1-65535");
    assertBad(HEAD + "[[instance]]\nid=\"i\"\nenv=\"env_1\"\noverlay_ipv6=\"fd00::1/128\"\n",
        "f: instance[0].overlay_ipv6: expected an IPv6 address without prefix length");
    assertBad(HEAD + "[[instance]]\nid=\"i\"\nenv=\"env_1\"\nstatus=\"up\"\n", "f: instance[0].status:");
    assertBad(HEAD + "[[env]]\nid=\"env_1\"\napp=\"app_1\"\n", "f: env[1].id: duplicate env id 'env_1'");
    assertBad(HEAD + "[[env]]\nid=\"env_2\"\napp=\"app_1\"\nipv4=\"1.2.3\"\n", "f: env[1].ipv4:");
    assertBad("org = [", "f: not valid TOML");
  }

  private static void assertBad(String toml, String message) {
    assertThatThrownBy(() -> DevStateFile.parse(toml, "f"))
        .isInstanceOf(DevStateException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void formatReadsBackToTheSameState() throws Exception {
    DevState s = DevStateFile.parse(Files.readString(Path.of("conf/dev-control-plane.toml")), "example")
        .withInstance(new DevState.Instance("inst_2", "app_01JFW0000000000000000000", "env_01JFW0000000000000000000",
            "worker", null, "draining", null));
    assertThat(DevStateFile.parse(DevStateFile.format(s), "formatted")).isEqualTo(s);
  }
}
