package dev.ghost.ingress.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on 127.0.0.1 port 0 to {@code host:port} that a test can cut (every relayed connection is closed and
 * new ones are closed at once) and restore: some nodes reach the control plane through it, so a test can take the
 * control plane away from them only.
 */
final class CuttableLink implements AutoCloseable {

  private final Vertx vertx;
  private final NetServer server;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  private CuttableLink(Vertx vertx, String host, int port) {
    this.vertx = vertx;
    this.server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0))
        .connectHandler(in -> relay(in, host, port));
  }

  static CuttableLink start(Vertx vertx, String host, int port) {
    CuttableLink link = new CuttableLink(vertx, host, port);
    link.server.listen().await();
    return link;
  }

  int port() {
    return server.actualPort();
  }

  private void relay(NetSocket in, String host, int port) {
    if (cut) {
      in.close();
      return;
    }
    in.pause();
    open.add(in);
    in.closeHandler(v -> open.remove(in));
    vertx.createNetClient().connect(port, host).onSuccess(out -> {
      open.add(out);
      out.closeHandler(v -> {
        open.remove(out);
        in.close();
      });
      in.closeHandler(v -> {
        open.remove(in);
        out.close();
      });
      in.pipeTo(out);
      out.pipeTo(in);
      in.resume();
      if (cut) {
        in.close();
      }
    }).onFailure(err -> in.close());
  }

  /** Closes every relayed connection and refuses new ones (closed on accept) until {@link #restore()}. */
  void cut() {
    cut = true;
    open.forEach(NetSocket::close);
  }

  void restore() {
    cut = false;
  }

  @Override
  public void close() {
    cut();
    server.close().await();
  }
}
