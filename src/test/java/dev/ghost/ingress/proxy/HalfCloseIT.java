package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.RawServer.Recorded;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Half-close through the relay: a FIN from either side reaches the other after exactly the bytes sent before it,
 * the other direction keeps flowing, and a FIN that arrives while the hello is still being sniffed is forwarded
 * after the buffered bytes. Every case runs with both relays: splice (native epoll) and buffered (NIO).
 */
class HalfCloseIT {

  @Nested
  class Splice extends Cases {
    Splice() {
      super(Relays.SPLICE);
    }
  }

  @Nested
  class Buffered extends Cases {
    Buffered() {
      super(Relays.BUFFERED);
    }
  }

  /** The cases, on one node per relay. */
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Cases {
    private final String relay;

    Cases(String relay) {
      this.relay = relay;
    }

    static final byte[] REQUEST = Clients.ascii("request then FIN");
    static final byte[] RESPONSE = Clients.ascii("response after the client's FIN");
    static final byte[] BANNER = Clients.ascii("banner then FIN");
    static final byte[] LATE = Clients.ascii("client still talks");

    RawServer answersAfterEof;
    RawServer finFirst;
    RawServer sniffBackend;
    TestNode node;

    @BeforeAll
    void start() throws Exception {
      RawServer[] self = new RawServer[3];
      // reads to EOF, then answers and closes
      answersAfterEof = self[0] = RawServer.start("::1", s -> {
        Recorded r = self[0].record(s);
        r.readToEof();
        s.getOutputStream().write(RESPONSE);
        s.close();
      });
      // speaks first and half-closes, then still reads to EOF
      finFirst = self[1] = RawServer.start("::1", s -> {
        s.getOutputStream().write(BANNER);
        s.shutdownOutput();
        self[1].record(s).readToEof();
        s.close();
      });
      sniffBackend = self[2] = RawServer.start("127.0.0.1", s -> {
        Recorded r = self[2].record(s);
        r.readToEof();
        s.getOutputStream().write(RESPONSE);
        s.close();
      });
      node = TestNode.start(new TestNode.Spec().withoutProbes()
          .set("proxy.sniff_timeout", "5s")
          .set(Relays.SETTING, Relays.nativeTransport(relay))
          .ipv6("::1")
          .route(RouteJson.raw("answers", 7500, answersAfterEof.backend()))
          .route(RouteJson.raw("fin-first", 7501, finFirst.backend()))
          .route(RouteJson.tls("sole", TestTls.MYAPP, sniffBackend.backend()).port(7502)));
    }

    @AfterAll
    void stop() {
      Relays.assertOnlyUsed(node, relay);
      node.close();
      answersAfterEof.close();
      finFirst.close();
      sniffBackend.close();
    }

    @Test
    void clientHalfClosesFirst() throws Exception {
      double completed = Probe.closed(node, "completed");
      try (Socket client = Clients.connect("::1", node.port("::1", 7500))) {
        client.getOutputStream().write(REQUEST);
        client.shutdownOutput();
        assertThat(Clients.readToEof(client)).isEqualTo(RESPONSE);
      }
      Recorded seen = answersAfterEof.connections().get(0);
      assertThat(seen.eof()).isTrue();
      assertThat(seen.bytes()).isEqualTo(REQUEST);
      Await.until("closed{reason=completed}", () -> Probe.closed(node, "completed") > completed);
    }

    @Test
    void backendHalfClosesFirst() throws Exception {
      try (Socket client = Clients.connect("::1", node.port("::1", 7501))) {
        assertThat(Clients.readToEof(client)).isEqualTo(BANNER);
        client.getOutputStream().write(LATE);
        client.shutdownOutput();
        Await.until("the backend connection", () -> !finFirst.connections().isEmpty());
        Recorded seen = finFirst.connections().get(0);
        Await.until("EOF at the backend", seen::eof, () -> new String(seen.bytes()));
        assertThat(seen.bytes()).isEqualTo(LATE);
      }
    }

    @Test
    void finRightAfterACompleteHelloArrivesWhileDialingAndIsForwarded() throws Exception {
      byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3");
      byte[] early = Clients.ascii("early data");
      int before = sniffBackend.connections().size();
      try (Socket client = Clients.connect("::1", node.port("::1", 7502))) {
        client.getOutputStream().write(hello);
        client.getOutputStream().write(early);
        client.shutdownOutput();
        assertThat(Clients.readToEof(client)).isEqualTo(RESPONSE);
      }
      Recorded seen = sniffBackend.connections().get(before);
      assertThat(seen.eof()).isTrue();
      byte[] expected = Arrays.copyOf(hello, hello.length + early.length);
      System.arraycopy(early, 0, expected, hello.length, early.length);
      assertThat(seen.bytes()).isEqualTo(expected);
    }

    @Test
    void finWhileSniffingFollowsTheBufferedBytes() throws Exception {
      byte[] partial = Arrays.copyOf(ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3"), 20);
      int before = sniffBackend.connections().size();
      try (Socket client = Clients.connect("::1", node.port("::1", 7502))) {
        client.getOutputStream().write(partial);
        client.shutdownOutput();
        assertThat(Clients.readToEof(client)).isEqualTo(RESPONSE);
      }
      Recorded seen = sniffBackend.connections().get(before);
      assertThat(seen.eof()).isTrue();
      assertThat(seen.bytes()).isEqualTo(partial);
    }
  }
}
