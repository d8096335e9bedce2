package dev.ghost.ingress.workload;

import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.proxy.ProxyHeaderV2Reader;
import dev.ghost.ingress.proxy.ProxyHeaderV2Reader.Result;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sample workload's public side when PROXY protocol is on: it reads the PROXY v2 header the ingress writes
 * ({@link ProxyHeaderV2Reader}, bounded in bytes and time), then relays the connection's own bytes (the TLS
 * handshake on) to the HTTPS server on loopback, remembering which client each relayed connection carries so the
 * server can answer with it. Plain Vert.x: no codec the ingress itself does not need.
 */
final class ProxyProtocolFront {

  /** How long a connection may take to send its whole header. */
  static final long HEADER_TIMEOUT_MS = 10_000;

  /**
   * The addresses a relayed connection carries.
   *
   * @param client  the client's address, from the header (or the connection's own for a LOCAL header)
   * @param reached what the client reached, likewise
   */
  record Carried(InetSocketAddress client, InetSocketAddress reached) {}

  private final Vertx vertx;
  private final NetClient inner;
  private int innerPort;
  /** By the relayed connection's local port on loopback, as the HTTPS server sees it as remote port. */
  private final Map<Integer, Carried> byRelayPort = new ConcurrentHashMap<>();

  ProxyProtocolFront(Vertx vertx) {
    this.vertx = vertx;
    this.inner = vertx.createNetClient();
  }

  /** Listens on {@code at}, relaying to the HTTPS server on loopback port {@code innerPort}. */
  Future<NetServer> listen(HostPort at, int innerPort) {
    this.innerPort = innerPort;
    return vertx.createNetServer().connectHandler(this::accept).listen(at.port(), at.host());
  }

  /** What the relayed connection from {@code relayClient} (the HTTPS server's remote address) carries, if any. */
  Carried carried(SocketAddress relayClient) {
    return byRelayPort.get(relayClient.port());
  }

  private void accept(NetSocket socket) {
    byte[] header = new byte[ProxyHeaderV2Reader.MAX_HEADER_BYTES];
    int[] read = {0};
    long timer = vertx.setTimer(HEADER_TIMEOUT_MS, t -> refuse(socket, "no whole PROXY v2 header within "
        + HEADER_TIMEOUT_MS + " ms"));
    socket.closeHandler(v -> vertx.cancelTimer(timer));
    socket.handler(chunk -> {
      int take = Math.min(chunk.length(), header.length - read[0]);
      chunk.getBytes(0, take, header, read[0]);
      read[0] += take;
      Result result = ProxyHeaderV2Reader.read(header, read[0]);
      if (result instanceof Result.NeedMore) {
        return;
      }
      vertx.cancelTimer(timer);
      if (result instanceof Result.Invalid invalid) {
        refuse(socket, invalid.reason());
        return;
      }
      int length = result instanceof Result.Proxied p ? p.length() : ((Result.Local) result).length();
      // what followed the header in this read (its first TLS bytes) is the connection's own
      Buffer rest = Buffer.buffer().appendBytes(header, length, read[0] - length).appendBuffer(chunk, take,
          chunk.length() - take);
      socket.pause();
      socket.handler(null);
      relay(socket, carried(socket, result), rest);
    });
  }

  private static Carried carried(NetSocket socket, Result result) {
    if (result instanceof Result.Proxied p) {
      return new Carried(p.source(), p.destination());
    }
    return new Carried(address(socket.remoteAddress()), address(socket.localAddress()));
  }

  private void relay(NetSocket socket, Carried carried, Buffer rest) {
    inner.connect(innerPort, "127.0.0.1").onFailure(err -> refuse(socket, "HTTPS server: " + err.getMessage()))
        .onSuccess(relayed -> {
          int relayPort = relayed.localAddress().port();
          byRelayPort.put(relayPort, carried);
          relayed.closeHandler(v -> byRelayPort.remove(relayPort));
          relayed.write(rest);
          socket.pipeTo(relayed);
          relayed.pipeTo(socket);
        });
  }

  private static void refuse(NetSocket socket, String why) {
    System.out.println(new JsonObject().put("msg", "sample workload: connection refused").put("reason", why).encode());
    socket.close();
  }

  private static InetSocketAddress address(SocketAddress a) {
    return new InetSocketAddress(a.hostAddress(), a.port());
  }
}
