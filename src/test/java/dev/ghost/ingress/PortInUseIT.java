package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import dev.ghost.ingress.testing.TestFleet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A valid configuration whose address is already taken: the shipped jar exits 1 (not 2: the config is fine) with
 * one clear stderr line naming the address, and does so promptly. Addresses that do not overlap share a port.
 */
class PortInUseIT {

  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private static ServerSocket occupy(String host) throws Exception {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
    return s;
  }

  private void assertStartFails(Path config, String address) throws Exception {
    try (JarProcess p = JarProcess.start(Map.of(), "--config", config.toString())) {
      int code = p.awaitExit(DEADLINE);
      assertThat(code).as(p.describe()).isEqualTo(1);
      assertThat(p.stderr()).as(p.describe()).hasSize(1);
      assertThat(p.stderr().get(0)).as(p.describe())
          .contains(address)
          .containsIgnoringCase("in use")
          .contains("start-up failed");
      assertThat(JarProcess.stackTraceLines(p.stderr())).as(p.describe()).isEmpty();
      assertThat(p.stdout()).as("never ready").noneMatch(l -> l.contains("\"msg\":\"ingress ready\""));
      assertOneErrorLine(p);
    }
  }

  /** One failure, one log line: the start-up failure's, not a line of each layer it went through as well. */
  private static void assertOneErrorLine(JarProcess p) {
    assertThat(p.stdout().stream().filter(l -> l.contains("\"level\":\"ERROR\"")))
        .as(p.describe()).singleElement().asString().contains("\"msg\":\"start-up failed\"");
  }

  @Test
  void listenerAddressInUseExitsOne() throws Exception {
    try (ServerSocket taken = occupy("::1")) {
      int port = taken.getLocalPort();
      Path config = JarProcess.write(dir, "busy.toml", String.join("\n",
          "[listen]",
          "ipv6 = [\"[::1]:" + port + "\"]",
          "[admin]",
          "listen = \"127.0.0.1:0\"",
          "[state]",
          "file = \"" + dir.resolve("state.json") + "\"",
          ""));
      assertStartFails(config, "[::1]:" + port);
    }
  }

  @Test
  void adminAddressInUseExitsOne() throws Exception {
    try (ServerSocket taken = occupy("127.0.0.1")) {
      int port = taken.getLocalPort();
      Path config = JarProcess.write(dir, "busy-admin.toml", String.join("\n",
          "[listen]",
          "ipv6 = [\"[::1]:0\"]",
          "[admin]",
          "listen = \"127.0.0.1:" + port + "\"",
          "[state]",
          "file = \"" + dir.resolve("state.json") + "\"",
          ""));
      assertStartFails(config, "127.0.0.1:" + port);
    }
  }

  @Test
  void eventBusPortInUseExitsOneNamingIt() throws Exception {
    try (ServerSocket taken = occupy("127.0.0.1")) {
      int port = taken.getLocalPort();
      int clusterPort = TestFleet.freePort(new HashSet<>(List.of(port)));
      Path config = JarProcess.write(dir, "clustered.toml", String.join("\n",
          "[listen]",
          "ipv6 = [\"[::1]:0\"]",
          "[admin]",
          "listen = \"127.0.0.1:0\"",
          "[state]",
          "file = \"" + dir.resolve("state.json") + "\"",
          ""));
      try (JarProcess p = JarProcess.start(Map.of(
          "GHOST_CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort,
          "GHOST_CLUSTER_PORT", String.valueOf(clusterPort),
          "GHOST_EVENTBUS_PORT", String.valueOf(port),
          "GHOST_CLUSTER_SECRET_FILE", TestFleet.writeSecret(dir, "secret").toString()),
          "--config", config.toString())) {
        assertThat(p.awaitExit(DEADLINE)).as(p.describe()).isEqualTo(1);
        assertThat(p.stderr()).as(p.describe()).hasSize(1);
        assertThat(p.stderr().get(0)).as(p.describe()).contains("start-up failed")
            .contains("event bus at 127.0.0.1:" + port).containsIgnoringCase("in use");
        assertThat(p.stdout()).as("never ready").noneMatch(l -> l.contains("\"msg\":\"ingress ready\""));
        assertOneErrorLine(p);
      }
    }
  }

  @Test
  void anIpv6LoopbackAndTheIpv4WildcardListenOnOnePort() throws Exception {
    assertBothFamiliesConnect("::1", "::1");
  }

  /** Native epoll's IPv6 sockets are IPv6-only: the IPv4 wildcard needs (and gets) a socket of its own. */
  @Test
  void theIpv6WildcardAndTheIpv4WildcardListenOnOnePort() throws Exception {
    assertBothFamiliesConnect("::", "::1");
  }

  /**
   * The JDK's sockets (no native transport) are dual-stack: the IPv4 wildcard would be an IPv6 socket on [::], which
   * the kernel refuses beside [::1] on the same port. Start-up and {@code check} say so before binding anything,
   * instead of a bare "Address already in use".
   */
  @Test
  void onTheJdkTransportAnIpv6LoopbackBesideTheIpv4WildcardIsRefusedWithItsReason() throws Exception {
    Path config = JarProcess.write(dir, "pair.toml", String.join("\n",
        "[listen]",
        "ipv6 = [\"[::1]:8443\"]",
        "ipv4 = [\"0.0.0.0:8443\"]",
        "[admin]",
        "listen = \"127.0.0.1:0\"",
        "[state]",
        "file = \"" + dir.resolve("state.json") + "\"",
        ""));
    Map<String, String> jdkSockets = Map.of("GHOST_NATIVE_TRANSPORT", "false");
    for (String[] args : new String[][] {{"check", "--config", config.toString()}, {"--config", config.toString()}}) {
      try (JarProcess p = JarProcess.start(jdkSockets, args)) {
        assertThat(p.awaitExit(DEADLINE)).as(p.describe()).isEqualTo(2);
        assertThat(p.stderr()).as(p.describe())
            .anyMatch(l -> l.contains("0.0.0.0:8443") && l.contains("beside [::1]:8443"));
        assertThat(p.stdout()).as("nothing bound").noneMatch(l -> l.contains("\"msg\":\"listening\""));
      }
    }
  }

  private void assertBothFamiliesConnect(String ipv6Host, String ipv6Client) throws Exception {
    int port;
    try (ServerSocket free = occupy("::1")) {
      port = free.getLocalPort();
    }
    String v6 = "[" + ipv6Host + "]:" + port;
    Path config = JarProcess.write(dir, "both.toml", String.join("\n",
        "[listen]",
        "ipv6 = [\"" + v6 + "\"]",
        "ipv4 = [\"0.0.0.0:" + port + "\"]",
        "[admin]",
        "listen = \"127.0.0.1:0\"",
        "[state]",
        "file = \"" + dir.resolve("state.json") + "\"",
        "[[route]]",
        "id = \"raw\"",
        "port = " + port,
        "protocol = \"tcp_raw\"",
        "backends = [\"[::1]:" + dev.ghost.ingress.testing.RawServer.refusedPort("::1") + "\"]",
        ""));
    try (JarProcess p = JarProcess.start(Map.of(), "--config", config.toString())) {
      p.awaitStdout(l -> l.contains("\"msg\":\"ingress ready\""), JarProcess.START_DEADLINE);
      assertThat(p.stdout()).as(p.describe())
          .anyMatch(l -> l.contains("\"msg\":\"listening\"") && l.contains("\"listener\":\"0.0.0.0:" + port + "\""));
      for (String host : new String[] {ipv6Client, "127.0.0.1"}) {
        try (java.net.Socket s = new java.net.Socket(host, port)) {
          assertThat(s.isConnected()).as(host).isTrue();
        }
      }
    }
  }
}
