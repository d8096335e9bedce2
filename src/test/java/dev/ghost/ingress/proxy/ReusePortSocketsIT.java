package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native listening sockets on real kernel sockets: the instances of one binding share its port, a port someone
 * else holds is refused as in use (SO_REUSEPORT would otherwise share it silently), and IPv6 listeners are IPv6-only,
 * so IPv4 and IPv6 listeners on one port do not collide.
 */
class ReusePortSocketsIT {

  private static final String V4 = "127.0.0.1";

  @BeforeAll
  static void nativeTransport() {
    Epoll.ensureAvailability();
  }

  /** One opened socket of a binding, given back on close. */
  private record Opened(ReusePortSockets sockets, Binding binding, Socket socket) implements AutoCloseable {
    static Opened open(ReusePortSockets sockets, String host, int port) throws IOException {
      Binding b = new Binding(host, 443, port);
      return new Opened(sockets, b, sockets.open(b, InetAddress.getByName(host), false));
    }

    int port() {
      return socket.localAddress().getPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
      sockets.closed(binding);
    }
  }

  @Test
  void theInstancesOfOneBindingShareItsEphemeralPort() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    try (Opened first = Opened.open(sockets, V4, 0); Opened second = Opened.open(sockets, V4, 0)) {
      assertThat(first.port()).isPositive();
      assertThat(second.port()).isEqualTo(first.port());
      // a client connects to the shared port whichever socket the kernel picks
      try (java.net.Socket client = new java.net.Socket(V4, first.port())) {
        assertThat(client.isConnected()).isTrue();
      }
    }
  }

  @Test
  void aPortHeldByAnotherSocketIsInUse() throws IOException {
    try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getByName(V4))) {
      assertThatThrownBy(() -> Opened.open(new ReusePortSockets(), V4, other.getLocalPort()))
          .hasMessageContaining("in use");
    }
  }

  @Test
  void aPortHeldWithReusePortByAnotherCopyIsInUseToo() throws IOException {
    try (Opened anotherNode = Opened.open(new ReusePortSockets(), V4, 0)) {
      assertThatThrownBy(() -> Opened.open(new ReusePortSockets(), V4, anotherNode.port()))
          .hasMessageContaining("in use");
    }
  }

  @Test
  void afterTheLastSocketClosesTheBindingSettlesItsPortAnew() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    int port;
    try (Opened s = Opened.open(sockets, V4, 0)) {
      port = s.port();
    }
    // the port is free again: anyone may take it, and the binding's next socket is exclusive-checked again
    try (ServerSocket taken = new ServerSocket()) {
      taken.setReuseAddress(true);
      taken.bind(new InetSocketAddress(V4, port));
      assertThatThrownBy(() -> Opened.open(sockets, V4, port)).hasMessageContaining("in use");
    }
  }

  @Test
  void anIpv6AndAnIpv4WildcardListenerShareAPort() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    try (Opened six = Opened.open(sockets, "::1", 0); Opened four = Opened.open(sockets, "0.0.0.0", six.port())) {
      assertThat(four.port()).isEqualTo(six.port());
    }
  }

  @Test
  void theIpv6WildcardIsIpv6OnlySoAnIpv4ListenerSharesItsPort() throws IOException {
    ReusePortSockets sockets = new ReusePortSockets();
    try (Opened six = Opened.open(sockets, "::", 0)) {
      // an IPv4 client finds no listener: the wildcard does not take IPv4 (IPV6_V6ONLY)
      assertThatThrownBy(() -> new java.net.Socket(V4, six.port()).close()).isInstanceOf(ConnectException.class);
      try (Opened four = Opened.open(sockets, V4, six.port())) {
        assertThat(four.port()).isEqualTo(six.port());
      }
    }
  }
}
