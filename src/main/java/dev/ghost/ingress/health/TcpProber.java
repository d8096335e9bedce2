package dev.ghost.ingress.health;

import dev.ghost.ingress.route.Backend;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.time.Duration;

/**
 * One L4 probe: a plain TCP connect (no TLS, nothing written) closed as soon as it is established. Never fails: every
 * outcome is a {@link ProbeResult}. Call from one Vert.x context; results complete on it.
 */
public final class TcpProber {

  private final NetClient client;

  /** @param vertx the node's Vert.x */
  public TcpProber(Vertx vertx) {
    this.client = vertx.createNetClient(new NetClientOptions());
  }

  /** Connects to the backend within {@code timeout} and closes at once. */
  public Future<ProbeResult> probe(Backend backend, Duration timeout) {
    ConnectOptions options = new ConnectOptions().setHost(backend.host()).setPort(backend.port())
        .setTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
    return client.connect(options)
        .map(socket -> {
          socket.close();
          return ProbeResult.SUCCESS;
        })
        .otherwise(TcpProber::classify);
  }

  static ProbeResult classify(Throwable err) {
    if (err instanceof ConnectTimeoutException) {
      return ProbeResult.TIMEOUT;
    }
    return err instanceof java.net.ConnectException ? ProbeResult.REFUSED : ProbeResult.ERROR;
  }

  /** Closes the client. */
  public Future<Void> close() {
    return client.close();
  }
}
