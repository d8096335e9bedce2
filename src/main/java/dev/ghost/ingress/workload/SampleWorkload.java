package dev.ghost.ingress.workload;

import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.observe.AddressText;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ingress.jar sample-workload}: a small HTTPS workload for demos and local runs. It terminates TLS with the
 * dev certificate for {@code myapp.example.com} and, with PROXY protocol on (the default), answers with the client
 * address the ingress reported, which proves the client's real address crossed the proxy.
 */
public final class SampleWorkload {

  /** Its usage lines, for {@code --help}. */
  public static final String USAGE = String.join("\n",
      "  sample-workload --listen HOST:PORT [--listen HOST:PORT ...] [--no-proxy-protocol]",
      "                 a TLS (HTTPS) demo workload that answers with the client address it learned",
      "                 from PROXY v2 (dev certificate for myapp.example.com)");

  private SampleWorkload() {}

  /**
   * The parsed flags of the subcommand.
   *
   * @param listen where to listen (at least one)
   * @param proxyProtocol whether a PROXY v2 header is expected on every connection (default true)
   */
  public record Args(List<HostPort> listen, boolean proxyProtocol) {
    public Args {
      listen = List.copyOf(listen);
    }
  }

  /**
   * Parses {@code --listen HOST:PORT} / {@code --listen=HOST:PORT} (repeatable) and {@code --no-proxy-protocol}.
   * Pure: nothing is bound.
   *
   * @throws IllegalArgumentException with the one-line reason for a bad flag or value
   */
  public static Args parseArgs(List<String> args) {
    List<HostPort> listen = new ArrayList<>();
    boolean proxyProtocol = true;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--listen") || a.startsWith("--listen=")) {
        String value;
        if (a.equals("--listen")) {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException("--listen: missing value");
          }
          value = args.get(++i);
        } else {
          value = a.substring("--listen=".length());
        }
        try {
          listen.add(HostPort.parse(value));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--listen: " + e.getMessage());
        }
      } else if (a.equals("--no-proxy-protocol")) {
        proxyProtocol = false;
      } else {
        throw new IllegalArgumentException("unknown argument '" + a + "'");
      }
    }
    if (listen.isEmpty()) {
      throw new IllegalArgumentException("at least one --listen HOST:PORT is required");
    }
    return new Args(listen, proxyProtocol);
  }

  /** Parses the flags ({@link #parseArgs}), then serves until killed. */
  public static int run(List<String> args) {
    Args parsed;
    try {
      parsed = parseArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sample-workload: " + e.getMessage());
      return 2;
    }
    List<HostPort> listen = parsed.listen();
    boolean proxyProtocol = parsed.proxyProtocol();
    Vertx vertx = Vertx.vertx();
    try {
      for (HostPort hp : listen) {
        int port = start(vertx, hp, proxyProtocol).await();
        System.out.println("{\"msg\":\"sample workload listening\",\"host\":\"" + hp.host() + "\",\"port\":"
            + port + ",\"proxy_protocol\":" + proxyProtocol + "}");
      }
    } catch (Exception e) {
      System.err.println("sample-workload: " + e.getMessage());
      vertx.close();
      return 1;
    }
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * Starts one listener on {@code at}: the HTTPS server itself, or with PROXY protocol on a
   * {@link ProxyProtocolFront} that reads the header and relays to an HTTPS server on loopback. The future holds the
   * port bound.
   */
  public static Future<Integer> start(Vertx vertx, HostPort at, boolean proxyProtocol) {
    if (!proxyProtocol) {
      return https(vertx, at, null).map(HttpServer::actualPort);
    }
    ProxyProtocolFront front = new ProxyProtocolFront(vertx);
    return https(vertx, new HostPort("127.0.0.1", 0), front)
        .compose(loopback -> front.listen(at, loopback.actualPort()))
        .map(NetServer::actualPort);
  }

  private static Future<HttpServer> https(Vertx vertx, HostPort at, ProxyProtocolFront front) {
    HttpServerOptions options = new HttpServerOptions()
        .setSsl(true)
        .setSni(true)
        .setKeyCertOptions(new PemKeyCertOptions()
            .setCertValue(resource("dev-tls/myapp.example.com.pem"))
            .setKeyValue(resource("dev-tls/myapp.example.com-key.pem")));
    return vertx.createHttpServer(options).requestHandler(req -> answer(req, front)).listen(at.port(), at.host());
  }

  private static void answer(HttpServerRequest req, ProxyProtocolFront front) {
    ProxyProtocolFront.Carried carried = front == null ? null : front.carried(req.remoteAddress());
    String client = carried == null ? AddressText.of(req.remoteAddress()) : AddressText.of(carried.client());
    String server = carried == null ? AddressText.of(req.localAddress()) : AddressText.of(carried.reached());
    String body = "hello from ghost sample workload\n"
        + "client: " + client + "\n"
        + "sni: " + req.connection().indicatedServerName() + "\n"
        + "server: " + server + "\n";
    req.response().putHeader("content-type", "text/plain").end(body);
  }

  private static Buffer resource(String path) {
    try (InputStream in = SampleWorkload.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
