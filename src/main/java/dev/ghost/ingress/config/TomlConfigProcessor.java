package dev.ghost.ingress.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import io.vertx.config.spi.ConfigProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * The {@code toml} format for vertx-config stores, found through
 * {@code META-INF/services/io.vertx.config.spi.ConfigProcessor}.
 *
 * <p>Reads the TOML parser's tokens straight into {@link JsonObject}s: TOML dates and times come out as strings,
 * and an empty or comment-only document becomes {@code {}}. No {@code ObjectMapper}: Jackson databind's mapper
 * would load about 400 classes at every start (metaspace and start time) for a tree this file never needs.
 */
public final class TomlConfigProcessor implements ConfigProcessor {

  /** The format name used in {@code ConfigStoreOptions.setFormat}. */
  public static final String FORMAT = "toml";

  // thread-safe once configured; it is never reconfigured
  private static final TomlFactory FACTORY = new TomlFactory();

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
  static JsonObject parse(byte[] toml) throws IOException {
    try (JsonParser p = FACTORY.createParser(toml)) {
      JsonToken first = p.nextToken();
      return first == JsonToken.START_OBJECT ? readObject(p) : new JsonObject();
    }
  }

  /** Reads an object's members; the parser stands on its START_OBJECT. */
  private static JsonObject readObject(JsonParser p) throws IOException {
    JsonObject o = new JsonObject();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      o.put(name, readValue(p, p.nextToken()));
    }
    return o;
  }

  private static JsonArray readArray(JsonParser p) throws IOException {
    JsonArray a = new JsonArray();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
      a.add(readValue(p, t));
    }
    return a;
  }

  private static Object readValue(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case START_OBJECT -> readObject(p);
      case START_ARRAY -> readArray(p);
      case VALUE_NUMBER_INT -> p.getNumberValue(); // Integer, Long or BigInteger: the smallest that holds it
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue(); // TOML floats are IEEE 754 binary64
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      // strings, and dates and times (TOML's, kept as their text)
      default -> p.getValueAsString();
    };
  }
}
