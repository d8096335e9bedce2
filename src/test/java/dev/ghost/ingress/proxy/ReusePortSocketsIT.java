package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native listening sockets on real kernel sockets: the instances of one binding share its port, a port someone
 * else holds is refused as in use (SO_REUSEPORT would otherwise share it silently), and IPv4 and IPv6 listeners on
 * one port do not collide.
 */
class ReusePortSocketsIT {

  private static final InetAddress V4 = InetAddress.getLoopbackAddress();

  @BeforeAll
  static void nativeTransport() {
    Epoll.ensureAvailability();
  }

  @Test
  void theInstancesOfOneBindingShareItsEphemeralPort() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    Binding b = new Binding("127.0.0.1", 443, 0);
    Socket first = sockets.open(b, V4, false);
    Socket second = sockets.open(b, V4, false);
    try {
      int port = first.localAddress().getPort();
      assertThat(port).isPositive();
      assertThat(second.localAddress().getPort()).isEqualTo(port);
      // both accept: a client connects to the shared port whichever socket the kernel picks
      try (java.net.Socket client = new java.net.Socket(V4, port)) {
        assertThat(client.isConnected()).isTrue();
      }
    } finally {
      first.close();
      sockets.closed(b);
      second.close();
      sockets.closed(b);
    }
  }

  @Test
  void aPortHeldByAnotherSocketIsInUse() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    try (ServerSocket other = new ServerSocket(0, 50, V4)) {
      Binding b = new Binding("127.0.0.1", 443, other.getLocalPort());
      assertThatThrownBy(() -> sockets.open(b, V4, false)).hasMessageContaining("in use");
    }
  }

  @Test
  void aPortHeldWithReusePortByAnotherCopyIsInUseToo() throws IOException {
    ReusePortSockets ours = new ReusePortSockets();
    ReusePortSockets anotherNode = new ReusePortSockets();
    Binding b = new Binding("127.0.0.1", 443, 0);
    Socket held = anotherNode.open(b, V4, false);
    try {
      Binding same = new Binding("127.0.0.1", 443, held.localAddress().getPort());
      assertThatThrownBy(() -> ours.open(same, V4, false)).hasMessageContaining("in use");
    } finally {
      held.close();
      anotherNode.closed(b);
    }
  }

  @Test
  void afterTheLastSocketClosesTheBindingSettlesItsPortAnew() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    Binding b = new Binding("127.0.0.1", 443, 0);
    Socket s = sockets.open(b, V4, false);
    int port = s.localAddress().getPort();
    s.close();
    sockets.closed(b);
    // the port is free again: anyone may take it, and the binding's next socket is exclusive-checked again
    try (ServerSocket taken = new ServerSocket()) {
      taken.setReuseAddress(true);
      taken.bind(new InetSocketAddress(V4, port));
      assertThatThrownBy(() -> sockets.open(new Binding("127.0.0.1", 443, port), V4, false))
          .hasMessageContaining("in use");
    }
  }

  @Test
  void anIpv6AndAnIpv4WildcardListenerShareAPort() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    Binding v6 = new Binding("::1", 443, 0);
    Socket six = sockets.open(v6, InetAddress.getByName("::1"), false);
    int port = six.localAddress().getPort();
    Binding v4 = new Binding("0.0.0.0", 443, port);
    Socket four = sockets.open(v4, InetAddress.getByName("0.0.0.0"), false);
    try {
      assertThat(four.localAddress().getPort()).isEqualTo(port);
    } finally {
      six.close();
      sockets.closed(v6);
      four.close();
      sockets.closed(v4);
    }
  }

  @Test
  void theIpv6WildcardIsIpv6OnlySoAnIpv4ListenerSharesItsPort() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    Binding v6 = new Binding("::", 443, 0);
    Socket six = sockets.open(v6, InetAddress.getByName("::"), false);
    int port = six.localAddress().getPort();
    // an IPv4 client finds no listener: the wildcard does not take IPv4 (IPV6_V6ONLY)
    assertThatThrownBy(() -> new java.net.Socket(V4, port).close()).isInstanceOf(java.net.ConnectException.class);
    Binding v4 = new Binding("127.0.0.1", 443, port);
    Socket four = sockets.open(v4, V4, false);
    try {
      assertThat(four.localAddress().getPort()).isEqualTo(port);
    } finally {
      six.close();
      sockets.closed(v6);
      four.close();
      sockets.closed(v4);
    }
  }
}
