package dev.ghost.ingress.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The status page at {@code GET /} of the admin port: one static HTML file, its script and its style sheet, read
 * once from the classpath ({@code admin/}) and served from memory. The page only reads the {@code GET /v1} views
 * from the browser, so it needs nothing the API does not already give without a token, and it holds no token.
 *
 * <p>Every asset is sent with a strict Content-Security-Policy (scripts, styles and fetches from this origin only,
 * no inline script or style, no framing, no forms), {@code nosniff}, no referrer, and {@code no-cache} with an
 * ETag: a browser revalidates on each load and gets a 304 while the jar is the same, never a stale script after an
 * upgrade. The admin rules on {@code Host} and cross-site requests apply as on every other path.
 */
final class StatusPage {

  /** Only this origin: the page's own script and style, and fetches of the {@code /v1} views. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** One servable file: where it is served, its bytes, its type and its validator. */
  record Asset(String path, Buffer body, String contentType, String etag) {
  }

  /** Where a file is served, and where it lies on the classpath. */
  private record Source(String path, String resource, String contentType) {
  }

  private static final List<Source> SOURCES = List.of(
      new Source("/", "admin/status.html", "text/html; charset=utf-8"),
      new Source("/status.js", "admin/status.js", "text/javascript; charset=utf-8"),
      new Source("/status.css", "admin/status.css", "text/css; charset=utf-8"));

  private final List<Asset> assets;

  private StatusPage(List<Asset> assets) {
    this.assets = assets;
  }

  /** Reads the page's files from the classpath: blocking, so off the event loop (the jar is a file). */
  static StatusPage load() {
    return new StatusPage(SOURCES.stream().map(StatusPage::asset).toList());
  }

  /** The served files, for tests and the router. */
  List<Asset> assets() {
    return assets;
  }

  /** A {@code GET} route per file. */
  void mount(Router router) {
    assets.forEach(a -> router.get(a.path()).handler(ctx -> serve(ctx, a)));
  }

  private static void serve(RoutingContext ctx, Asset asset) {
    var response = ctx.response()
        .putHeader("Cache-Control", "no-cache")
        .putHeader("ETag", asset.etag())
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Cross-Origin-Opener-Policy", "same-origin")
        .putHeader("Cross-Origin-Resource-Policy", "same-origin");
    if (asset.etag().equals(ctx.request().getHeader("If-None-Match"))) {
      response.setStatusCode(304).end();
    } else {
      response.putHeader("Content-Type", asset.contentType()).end(asset.body());
    }
  }

  private static Asset asset(Source source) {
    try (InputStream in = StatusPage.class.getClassLoader().getResourceAsStream(source.resource())) {
      if (in == null) {
        throw new IllegalStateException("status page resource missing from the jar: " + source.resource());
      }
      byte[] bytes = in.readAllBytes();
      return new Asset(source.path(), Buffer.buffer(bytes), source.contentType(), etag(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read status page resource " + source.resource(), e);
    }
  }

  /** A strong validator: the content's SHA-256, shortened (collisions between two builds' files do not matter). */
  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
