package dev.ghost.ingress.proxy;

import io.netty.channel.unix.Socket;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Opens the node's listening sockets on native epoll: one per listener instance and binding, all of a binding's on
 * one address and port with {@code SO_REUSEPORT}, so the kernel spreads new connections over the instances and each
 * event loop accepts its own (no acceptor thread, no hand-off between threads; HAProxy and nginx's {@code reuseport}
 * do the same). Thread-safe: the instances bind concurrently, each on its own loop.
 *
 * <p>The first socket of a binding settles its port: an ephemeral one is picked there and the others join it. It
 * also keeps the exclusive-bind guarantee {@code SO_REUSEPORT} alone would lose: before it binds, a probe binds the
 * address without the option, so a port held by anyone else (another copy of the ingress under the same user
 * included) fails as "Address already in use" instead of being silently shared.
 *
 * <p>IPv4 addresses get IPv4 sockets and IPv6 addresses IPv6-only ones ({@code IPV6_V6ONLY}, as the listener model
 * asks), so {@code [::]:443} beside an IPv4 listener on 443 (a wildcard or an environment's dedicated address) do not
 * collide, and IPv4 clients reach only the IPv4 listeners.
 */
public final class ReusePortSockets {

  /** Linux {@code IPPROTO_IPV6} and {@code IPV6_V6ONLY} (native epoll only runs on Linux). */
  private static final int IPPROTO_IPV6 = 41;
  private static final int IPV6_V6ONLY = 26;

  /** Per binding: the port its sockets share and how many are open. */
  private final Map<Binding, Group> groups = new HashMap<>();

  private static final class Group {
    final int port;
    int open;

    Group(int port) {
      this.port = port;
    }
  }

  /**
   * A listening socket for {@code b} on {@code address}, non-blocking, with {@code TCP_NODELAY} and, when asked,
   * {@code SO_KEEPALIVE}, which accepted sockets inherit. Give it back with {@link #closed}.
   *
   * @throws IOException when it cannot be bound (the message says why, e.g. "Address already in use")
   */
  synchronized Socket open(Binding b, InetAddress address, boolean keepAlive) throws IOException {
    Group g = groups.get(b);
    int port = g != null ? g.port : exclusivePort(address, b.bindPort());
    Socket s = newSocket(address);
    try {
      s.setReuseAddress(true);
      v6Only(s, address);
      s.setReusePort(true);
      s.setTcpNoDelay(true);
      if (keepAlive) {
        s.setKeepAlive(true);
      }
      s.bind(new InetSocketAddress(address, port));
      s.listen(NetUtil.SOMAXCONN);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    if (g == null) {
      g = new Group(port);
      groups.put(b, g);
    }
    g.open++;
    return s;
  }

  /** One of {@code b}'s sockets was closed; after the last, the next {@link #open} settles the port anew. */
  synchronized void closed(Binding b) {
    Group g = groups.get(b);
    if (g != null && --g.open == 0) {
      groups.remove(b);
    }
  }

  /** Binds {@code port} (0: any) without SO_REUSEPORT and lets go: the port nobody holds, or why not. */
  private static int exclusivePort(InetAddress address, int port) throws IOException {
    Socket probe = newSocket(address);
    try {
      probe.setReuseAddress(true);
      v6Only(probe, address);
      probe.bind(new InetSocketAddress(address, port));
      return probe.localAddress().getPort();
    } finally {
      probe.close();
    }
  }

  private static void v6Only(Socket s, InetAddress address) throws IOException {
    if (address instanceof java.net.Inet6Address) {
      s.setIntOpt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
    }
  }

  private static Socket newSocket(InetAddress address) {
    return StreamSockets.of(address);
  }
}
