package dev.ghost.ingress.config;

import io.vertx.config.spi.ConfigProcessor;
import io.vertx.config.yaml.YamlProcessor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The YAML format for our file stores: vertx-config's {@code yaml} processor, except that a document with only
 * comments is {@code {}} (the stock processor yields null there, which the retriever then fails on with a
 * NullPointerException). Registered under its own name so that it never competes with the stock one.
 */
public final class YamlConfigProcessor implements ConfigProcessor {

  /** The format name used in {@code ConfigStoreOptions.setFormat}. */
  public static final String FORMAT = "ghost-yaml";

  private final YamlProcessor yaml = new YamlProcessor();

  @Override
  public String name() {
    return FORMAT;
  }

  @Override
  public Future<JsonObject> process(Vertx vertx, JsonObject configuration, Buffer input) {
    return yaml.process(vertx, configuration, input).map(json -> json == null ? new JsonObject() : json);
  }
}
