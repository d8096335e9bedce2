package dev.ghost.ingress.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.io.Closeable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTPS backend that requires a PROXY protocol header (parsed by Vert.x and Netty, not by us) and answers every
 * request with one line:
 * <pre>client=&lt;remote host&gt;:&lt;remote port&gt; sni=&lt;server name the client indicated&gt; local=&lt;local host&gt;:&lt;port&gt;</pre>
 * With the PROXY header, Vert.x reports the header's source as the remote address and its destination as the local
 * address, so the line shows what the ingress wrote, not the socket the ingress connected from.
 */
public final class ProxyProtocolHttpsBackend implements Closeable {

  private static final long TIMEOUT_SECONDS = 10;

  private final HttpServer server;
  private final String host;
  private final String certHost;

  private ProxyProtocolHttpsBackend(HttpServer server, String host, String certHost) {
    this.server = server;
    this.host = host;
    this.certHost = certHost;
  }

  /**
   * Listens on {@code host} port 0 with the test certificate of {@code certHost} (see {@link TestTls}).
   *
   * @param host an address such as {@code 127.0.0.1} or {@code ::1}
   */
  public static ProxyProtocolHttpsBackend start(Vertx vertx, String host, String certHost) throws TimeoutException {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(host)
        .setPort(0)
        .setUseProxyProtocol(true)
        .setSsl(true)
        .setSni(true)
        .setKeyCertOptions(TestTls.keyCert(certHost));
    HttpServer server = vertx.createHttpServer(options).requestHandler(ProxyProtocolHttpsBackend::answer);
    server.listen().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return new ProxyProtocolHttpsBackend(server, host, certHost);
  }

  private static void answer(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    SocketAddress local = request.localAddress();
    request.response()
        .putHeader("content-type", "text/plain")
        .end("client=" + remote.host() + ":" + remote.port()
            + " sni=" + request.connection().indicatedServerName()
            + " local=" + local.host() + ":" + local.port() + "\n");
  }

  public int actualPort() {
    return server.actualPort();
  }

  public String host() {
    return host;
  }

  /** Whose test certificate this backend presents. */
  public String certHost() {
    return certHost;
  }

  @Override
  public void close() {
    try {
      server.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("backend did not close within " + TIMEOUT_SECONDS + "s", e);
    }
  }
}
