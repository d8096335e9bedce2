package dev.ghost.ingress.config;

import io.vertx.core.json.jackson.JacksonCodec;
import io.vertx.core.spi.JsonFactory;
import io.vertx.core.spi.json.JsonCodec;

/**
 * Vert.x's JSON codec on {@code jackson-core} alone, found through
 * {@code META-INF/services/io.vertx.core.spi.JsonFactory}.
 *
 * <p>Vert.x picks its databind codec whenever {@code jackson-databind} is on the class path (the TOML format brings
 * it), and that codec builds an {@code ObjectMapper} at start: about 400 classes of metaspace and a few hundred
 * milliseconds of a one-core start, for POJO mapping this project never does. Every value it puts into JSON is a
 * JSON type, a number, a string or an {@code Instant}, which the core codec writes the same way.
 */
public final class CoreJsonFactory implements JsonFactory {

  private static final JsonCodec CODEC = new JacksonCodec();

  @Override
  public int order() {
    return 0;
  }

  @Override
  public JsonCodec codec() {
    return CODEC;
  }
}
