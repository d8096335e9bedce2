package dev.ghost.ingress.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;

/**
 * A TLS backend (Vert.x, its own instance) that streams both ways: it echoes every byte it reads, and ends its side
 * once the client has ended its own. Presents the test certificate of {@code certHost}. Also the client side: a
 * {@link Session} is a JDK {@link SSLSocket} with SNI that exchanges numbered messages through the ingress.
 */
public final class TlsStreamBackend implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx();
  private final String host;
  private final AtomicInteger accepted = new AtomicInteger();
  private NetServer server;

  private TlsStreamBackend(String host) {
    this.host = host;
  }

  /** Listens on {@code host} port 0 with the certificate of {@code certHost}. */
  public static TlsStreamBackend start(String host, String certHost) {
    TlsStreamBackend b = new TlsStreamBackend(host);
    b.server = b.vertx.createNetServer(new NetServerOptions().setSsl(true).setKeyCertOptions(TestTls.keyCert(certHost)))
        .connectHandler(s -> {
          b.accepted.incrementAndGet();
          s.handler(s::write);
          s.endHandler(v -> s.end());
        });
    b.server.listen(0, host).await();
    return b;
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code host:port} as a backend address ({@code [v6]:port} for IPv6). */
  public String backend() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  @Override
  public void close() {
    vertx.close().await();
  }

  /** A streaming TLS session of a client, through whatever listens at {@code host:port}. */
  public static final class Session implements AutoCloseable {
    private final SSLSocket socket;
    private int sent;

    private Session(SSLSocket socket) {
      this.socket = socket;
    }

    /** Connects with SNI {@code sni} (TLS 1.3) and completes the handshake with the backend behind. */
    public static Session open(String host, int port, String sni) throws IOException {
      return new Session(TestTls.connect(host, port, sni, "TLSv1.3"));
    }

    /** Sends one numbered message and reads its echo: data went both ways. Fails on a short read. */
    public void exchange() throws IOException {
      byte[] msg = ("message " + (++sent) + " of a long-lived session\n").getBytes(StandardCharsets.US_ASCII);
      OutputStream out = socket.getOutputStream();
      out.write(msg);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] echo = in.readNBytes(msg.length);
      if (!java.util.Arrays.equals(echo, msg)) {
        throw new IOException("echo " + new String(echo, StandardCharsets.US_ASCII) + " for "
            + new String(msg, StandardCharsets.US_ASCII));
      }
    }

    /** Messages exchanged so far. */
    public int exchanged() {
      return sent;
    }

    /** True when the peer ended the session (EOF or reset) within the socket timeout. */
    public boolean endedByPeer() {
      try {
        return socket.getInputStream().read() < 0;
      } catch (IOException e) {
        return true;
      }
    }

    /** Ends the session normally: TLS close_notify, then the socket. */
    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
