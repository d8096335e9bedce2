package dev.ghost.ingress.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A plain TCP backend that writes nothing and records, per accepted connection, every byte it received and whether
 * the peer has ended (FIN or close). Tests use it to count upstream connections and to compare forwarded bytes
 * with what the client sent.
 */
public final class RecordingTcpBackend implements Closeable {

  private static final long TIMEOUT_SECONDS = 10;

  private final NetServer server;
  private final String host;
  private final List<Conn> connections = new CopyOnWriteArrayList<>();

  private RecordingTcpBackend(Vertx vertx, String host) {
    this.host = host;
    this.server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(0)).connectHandler(socket -> {
      Conn conn = new Conn();
      connections.add(conn);
      socket.handler(conn::append);
      socket.endHandler(v -> conn.ended = true);
      socket.closeHandler(v -> conn.ended = true);
    });
  }

  /** Listens on {@code host} port 0. */
  public static RecordingTcpBackend start(Vertx vertx, String host) throws TimeoutException {
    RecordingTcpBackend backend = new RecordingTcpBackend(vertx, host);
    backend.server.listen().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return backend;
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** {@code host:port} as a route backend. */
  public String address() {
    return TestNode.hostPort(host, actualPort());
  }

  /** Connections accepted so far. */
  public int accepted() {
    return connections.size();
  }

  /** The {@code i}-th accepted connection (0-based). */
  public Conn connection(int i) {
    return connections.get(i);
  }

  @Override
  public void close() {
    try {
      server.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("backend did not close within " + TIMEOUT_SECONDS + "s", e);
    }
  }

  /** What one upstream connection received. */
  public static final class Conn {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private volatile boolean ended;

    private synchronized void append(Buffer buf) {
      bytes.writeBytes(buf.getBytes());
    }

    /** Every byte received so far. */
    public synchronized byte[] bytes() {
      return bytes.toByteArray();
    }

    public synchronized int size() {
      return bytes.size();
    }

    /** True once the peer sent FIN or the connection closed. */
    public boolean ended() {
      return ended;
    }
  }
}
