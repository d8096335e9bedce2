package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.ClientHellos;
import dev.ghost.ingress.testing.Clients;
import dev.ghost.ingress.testing.Probe;
import dev.ghost.ingress.testing.RawServer;
import dev.ghost.ingress.testing.RawServer.Recorded;
import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import dev.ghost.ingress.testing.TestTls;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A client that keeps talking while its backend is being dialled: the connection is routed on its hello and held,
 * the first backend never answers the SYN (a listener whose accept queue is full drops it) until the connect timeout
 * moves on to the second, and every byte the client sent meanwhile, and its FIN, reach that backend after the hello,
 * in order. Runs with both relays; on native epoll the held client socket stops asking for reads only once bytes
 * arrive while it is held, and the relay asks again.
 */
class DialingClientIT {

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

  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  abstract static class Cases {
    private static final String LOOPBACK = "127.0.0.1";
    private final String relay;

    Cases(String relay) {
      this.relay = relay;
    }

    ServerSocket blackHole;
    final List<Socket> queued = new ArrayList<>();
    RawServer backend;
    TestNode node;

    @BeforeAll
    void start() throws Exception {
      blackHole = silentListener();
      RawServer[] self = new RawServer[1];
      backend = self[0] = RawServer.start(LOOPBACK, s -> {
        Recorded r = self[0].record(s);
        r.readToEof();
        s.getOutputStream().write(Clients.ascii("bye"));
        s.close();
      });
      node = TestNode.start(new TestNode.Spec().withoutProbes()
          .set("proxy.connect_timeout", "400ms")
          .set("proxy.sniff_timeout", "5s")
          .set(Relays.SETTING, Relays.nativeTransport(relay))
          .ipv6("::1")
          // the black hole first: the round robin's first pick for a fresh route
          .route(RouteJson.tls("held", TestTls.MYAPP,
              TestNode.hostPort(LOOPBACK, blackHole.getLocalPort()), backend.backend()).port(7700)));
    }

    /** A listener that never accepts, its queue filled, so the kernel drops further SYNs and a connect hangs. */
    private ServerSocket silentListener() throws Exception {
      ServerSocket ss = new ServerSocket();
      ss.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), 0), 1);
      InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(LOOPBACK), ss.getLocalPort());
      for (int i = 0; i < 8; i++) {
        Socket s = new Socket();
        try {
          s.connect(at, 200);
          queued.add(s);
        } catch (SocketTimeoutException full) {
          s.close();
          return ss;
        }
      }
      throw new IllegalStateException("the accept queue never filled");
    }

    @AfterAll
    void stop() throws Exception {
      Relays.assertOnlyUsed(node, relay);
      node.close();
      backend.close();
      for (Socket s : queued) {
        s.close();
      }
      blackHole.close();
    }

    @Test
    void theBlackHoleReallyHangsAConnect() {
      assertThatThrownBy(() -> {
        try (Socket s = new Socket()) {
          s.connect(blackHole.getLocalSocketAddress(), 100);
        }
      }).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void bytesAndFinSentWhileDialingFollowTheHelloInOrder() throws Exception {
      byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3");
      double timeouts = Probe.counter(node, "ghost.upstream.connect.failures", "route", "held", "kind", "timeout");
      ByteArrayOutputStream sent = new ByteArrayOutputStream();
      sent.write(hello);
      try (Socket client = Clients.connect("::1", node.port("::1", 7700))) {
        client.setTcpNoDelay(true);
        client.getOutputStream().write(hello);
        // the hello routes the connection at once; these follow while the first backend's connect hangs
        for (int i = 0; i < 3; i++) {
          byte[] more = Clients.ascii("while dialing " + i + ";");
          client.getOutputStream().write(more);
          sent.write(more);
        }
        client.shutdownOutput();
        assertThat(Clients.readToEof(client)).isEqualTo(Clients.ascii("bye"));
      }
      assertThat(Probe.counter(node, "ghost.upstream.connect.failures", "route", "held", "kind", "timeout"))
          .isGreaterThan(timeouts);
      Recorded seen = backend.connections().get(backend.connections().size() - 1);
      Await.until("EOF at the backend", seen::eof, () -> new String(seen.bytes()));
      assertThat(seen.bytes()).isEqualTo(sent.toByteArray());
    }
  }
}
