package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dedicated IPv4: an env's own address serves only that env's names, an address nobody owns serves nothing, the
 * shared IPv6 listener serves everyone, and an address claimed twice goes to the older env (the other is degraded).
 */
class DedicatedIpv4IT {

  private static final String TENANT_C = "tenant-c.example.com";

  static RawServer backendA;
  static RawServer backendB;
  static RawServer backendC;
  static TestNode node;

  @BeforeAll
  static void start() throws Exception {
    backendA = RawServer.capture("::1");
    backendB = RawServer.capture("::1");
    backendC = RawServer.capture("::1");
    node = TestNode.start(new TestNode.Spec().withoutProbes()
        .set("proxy.sniff_timeout", "5s")
        .env("a", "127.0.0.2")
        .env("b", "127.0.0.3")
        .env("c", "127.0.0.2")
        .ipv6("::1")
        .ipv4("127.0.0.1")
        .route(RouteJson.tls("a", TestTls.TENANT_A, backendA.backend()).env("a"))
        .route(RouteJson.tls("b", TestTls.TENANT_B, backendB.backend()).env("b"))
        .route(RouteJson.tls("c", TENANT_C, backendC.backend()).env("c")));
  }

  @AfterAll
  static void stop() {
    node.close();
    backendA.close();
    backendB.close();
    backendC.close();
  }

  @Test
  void ownAddressServesOnlyItsOwnTenant() throws Exception {
    reaches("127.0.0.2", TestTls.TENANT_A, backendA);
    refused("127.0.0.2", TestTls.TENANT_B, "tenant_mismatch");
    reaches("127.0.0.3", TestTls.TENANT_B, backendB);
    refused("127.0.0.3", TestTls.TENANT_A, "tenant_mismatch");
  }

  @Test
  void unownedAddressServesNothing() throws Exception {
    refused("127.0.0.1", TestTls.TENANT_A, "unowned_address");
    refused("127.0.0.1", TestTls.TENANT_B, "unowned_address");
  }

  @Test
  void sharedIpv6ServesEveryTenant() throws Exception {
    reaches("::1", TestTls.TENANT_A, backendA);
    reaches("::1", TestTls.TENANT_B, backendB);
    reaches("::1", TENANT_C, backendC);
  }

  @Test
  void addressClaimedTwiceGoesToTheOlderEnv() throws Exception {
    JsonObject envs = Probe.routes(node).getJsonObject("envs");
    assertThat(envs.getJsonObject("a").getString("ipv4")).isEqualTo("127.0.0.2");
    assertThat(envs.getJsonObject("a").getBoolean("degraded")).isFalse();
    assertThat(envs.getJsonObject("c").getBoolean("degraded")).isTrue();
    assertThat(envs.getJsonObject("c").getString("reason")).contains("127.0.0.2").contains("a");
    // the degraded env's name is another tenant's on a's address
    refused("127.0.0.2", TENANT_C, "tenant_mismatch");
  }

  private static void reaches(String host, String sni, RawServer backend) throws Exception {
    byte[] hello = ClientHellos.jdk(sni, "TLSv1.3");
    int before = backend.connections().size();
    try (Socket client = Clients.connect(host, node.port(host, 443))) {
      client.getOutputStream().write(hello);
      Await.until(sni + " via " + host + " at its backend", () -> backend.connections().size() > before
          && backend.connections().get(before).size() >= hello.length);
      assertThat(backend.connections().get(before).bytes()).isEqualTo(hello);
    }
  }

  private static void refused(String host, String sni, String reason) throws Exception {
    int[] accepted = {backendA.accepted(), backendB.accepted(), backendC.accepted()};
    double before = Probe.closed(node, reason);
    try (Socket client = Clients.connect(host, node.port(host, 443))) {
      client.getOutputStream().write(ClientHellos.jdk(sni, "TLSv1.3"));
      Clients.expectClosedWithoutData(client);
    } catch (java.net.SocketException e) {
      // the write itself may meet the close
    }
    Await.until("closed{reason=" + reason + "}", () -> Probe.closed(node, reason) > before);
    assertThat(new int[] {backendA.accepted(), backendB.accepted(), backendC.accepted()})
        .as("no backend connection for %s via %s", sni, host).isEqualTo(accepted);
  }

  static String show(byte[] b) {
    return Arrays.toString(b);
  }
}
