package dev.ghost.ingress.proxy;

import io.netty.channel.unix.Socket;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * New non-blocking TCP sockets of the family an address needs: Netty's public factory makes IPv6 sockets whenever
 * the host has IPv6, which costs an IPv4 peer a {@code IPV6_V6ONLY} call and a mapped address, and makes an IPv4
 * listener collide with an IPv6 one on the same port.
 */
final class StreamSockets extends Socket {

  private StreamSockets(int fd) {
    super(fd);
  }

  /** A new socket for talking to, or listening on, {@code address}. */
  static Socket of(InetAddress address) {
    return new Socket(newSocketStream0(address instanceof Inet6Address));
  }
}
