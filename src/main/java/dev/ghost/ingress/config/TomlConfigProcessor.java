package dev.ghost.ingress.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.vertx.config.spi.ConfigProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The {@code toml} format for vertx-config stores, found through
 * {@code META-INF/services/io.vertx.config.spi.ConfigProcessor}.
 *
 * <p>Goes Jackson tree, then JSON text, then {@link JsonObject}: TOML dates and times come out as JSON strings, and
 * an empty or comment-only document becomes {@code {}}.
 */
public final class TomlConfigProcessor implements ConfigProcessor {

  /** The format name used in {@code ConfigStoreOptions.setFormat}. */
  public static final String FORMAT = "toml";

  // TomlMapper is thread-safe once configured; it is never reconfigured.
  private static final TomlMapper MAPPER = new TomlMapper();

  @Override
  public String name() {
    return FORMAT;
  }

  @Override
  public Future<JsonObject> process(Vertx vertx, JsonObject configuration, Buffer input) {
    try {
      return Future.succeededFuture(parse(input.getBytes()));
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /** Parses a TOML document; throws Jackson's exception on a syntax error. */
  static JsonObject parse(byte[] toml) throws java.io.IOException {
    JsonNode tree = MAPPER.readTree(toml);
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return new JsonObject();
    }
    return new JsonObject(tree.toString());
  }
}
