package dev.ghost.ingress.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Loads and validates the node configuration: one config file (TOML, YAML or JSON, by extension) read through
 * vertx-config, then the {@code GHOST_*} environment on top (the environment wins), then validation into an
 * {@link IngressConfig}. Every failure is a {@link ConfigException} whose {@link ConfigException#oneLine()} names
 * the file, the key and the reason.
 *
 * <p>The file store is never optional: a missing or broken file is an error, never an empty config (an optional
 * store silently contributes {@code {}} and would drop every route on reload). The environment is mapped here, not
 * by vertx-config's env store, because that store type-guesses ({@code "0755"} becomes a number) and has no
 * nested-key mapping. Hot reload can reuse {@link #retrieverOptions} and {@link #fromJson}.
 */
public final class ConfigLoader {

  /** Classpath resource used when no {@code --config} is given: all defaults, no routes. */
  public static final String DEFAULT_RESOURCE = "default.toml";

  /** The name errors in the embedded default carry as their file. */
  public static final String DEFAULT_SOURCE = "embedded:" + DEFAULT_RESOURCE;

  private ConfigLoader() {}

  /**
   * Reads {@code file} and {@code env} (in production {@code System.getenv()}) into a validated config.
   *
   * @return a future failed with a {@link ConfigException} on any problem
   */
  public static Future<IngressConfig> load(Vertx vertx, Path file, Map<String, String> env) {
    String source = file.toString();
    ConfigRetrieverOptions options;
    try {
      options = retrieverOptions(file, 0);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    return vertx.<Void>executeBlocking(() -> {
          checkReadable(file);
          return null;
        })
        .compose(v -> {
          ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
          return retriever.getConfig().eventually(retriever::close);
        })
        .recover(e -> Future.failedFuture(asConfigException(source, e)))
        .compose(json -> vertx.executeBlocking(() -> fromJson(json, env, source)));
  }

  /** Loads what {@code run} names: its {@code --config} file, or the embedded default when there is none. */
  public static Future<IngressConfig> load(Vertx vertx, CommandLine.Run run, Map<String, String> env) {
    return run.embeddedDefault() ? loadDefault(vertx, env) : load(vertx, run.config(), env);
  }

  /** Loads the embedded {@value #DEFAULT_RESOURCE} with {@code env} on top. */
  public static Future<IngressConfig> loadDefault(Vertx vertx, Map<String, String> env) {
    return vertx.executeBlocking(() -> fromJson(defaultJson(), env, DEFAULT_SOURCE));
  }

  /**
   * Validates a parsed config file with the environment on top. Pure apart from the host-name lookup that
   * supplies the default node id when neither {@code GHOST_NODE_ID}, {@code node.id} nor {@code HOSTNAME} is set
   * (that lookup may block: call off the event loop).
   *
   * @param fileConfig the file as vertx-config produced it ({@code {}} for an empty file)
   * @param env        environment variables, read as raw strings
   * @param sourceName the file as the operator named it, for error lines
   * @throws ConfigException on the first problem found
   */
  public static IngressConfig fromJson(JsonObject fileConfig, Map<String, String> env, String sourceName) {
    return fromJson(fileConfig, env, sourceName, ConfigLoader::localHostName);
  }

  /** {@link #fromJson(JsonObject, Map, String)} with the host-name lookup injected. */
  public static IngressConfig fromJson(JsonObject fileConfig, Map<String, String> env, String sourceName,
      Supplier<String> hostName) {
    return new ConfigReader(fileConfig, env, sourceName, hostName).read();
  }

  /**
   * The vertx-config format of a file by its extension: {@code .toml} → {@code toml}, {@code .yaml}/{@code .yml}
   * → {@value YamlConfigProcessor#FORMAT}, {@code .json} → {@code json}.
   *
   * @throws ConfigException for any other extension
   */
  public static String formatOf(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".toml")) {
      return TomlConfigProcessor.FORMAT;
    }
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      return YamlConfigProcessor.FORMAT;
    }
    if (name.endsWith(".json")) {
      return "json";
    }
    throw new ConfigException(file.toString(), null,
        "unknown config format (expected a .toml, .yaml, .yml or .json file)");
  }

  /**
   * The non-optional file store for {@code file}. The path is made absolute so that Vert.x never falls back to a
   * classpath resource of the same relative name.
   */
  public static ConfigStoreOptions fileStore(Path file) {
    return new ConfigStoreOptions()
        .setType("file")
        .setFormat(formatOf(file))
        .setOptional(false)
        .setConfig(new JsonObject().put("path", file.toAbsolutePath().toString()));
  }

  /** Retriever options with the single {@link #fileStore}; {@code scanPeriodMs <= 0} disables scanning. */
  public static ConfigRetrieverOptions retrieverOptions(Path file, long scanPeriodMs) {
    return new ConfigRetrieverOptions().setScanPeriod(scanPeriodMs).addStore(fileStore(file));
  }

  /** Turns a retriever or I/O failure into a one-line {@link ConfigException} naming {@code source}. */
  public static ConfigException asConfigException(String source, Throwable failure) {
    if (failure instanceof ConfigException ce) {
      return ce;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NoSuchFileException) {
        return new ConfigException(source, null, "no such file", failure);
      }
      if (t instanceof AccessDeniedException) {
        return new ConfigException(source, null, "permission denied", failure);
      }
    }
    return new ConfigException(source, null, "cannot parse: " + parseProblem(failure), failure);
  }

  /** The parser's complaint, with a line number where the parser gives one. */
  private static String parseProblem(Throwable failure) {
    Throwable root = failure;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof JsonProcessingException jpe) {
        JsonLocation where = jpe.getLocation();
        String what = firstLine(jpe.getOriginalMessage());
        return where != null && where.getLineNr() > 0 ? "line " + where.getLineNr() + ": " + what : what;
      }
      if (t instanceof MarkedYAMLException yaml) {
        String what = firstLine(yaml.getProblem() != null ? yaml.getProblem() : yaml.getContext());
        return yaml.getProblemMark() != null ? "line " + (yaml.getProblemMark().getLine() + 1) + ": " + what : what;
      }
      if (t instanceof ClassCastException) {
        return "expected a table (mapping) at the top level";
      }
      root = t;
    }
    return firstLine(root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
  }

  /** The embedded default file, parsed. */
  static JsonObject defaultJson() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new ConfigException(DEFAULT_SOURCE, null, "missing from the jar");
      }
      return TomlConfigProcessor.parse(in.readAllBytes());
    } catch (IOException e) {
      throw new ConfigException(DEFAULT_SOURCE, null, "cannot parse: " + firstLine(e.getMessage()), e);
    }
  }

  /** Fails with a {@link ConfigException} when {@code file} is missing, a directory or unreadable (blocking). */
  static void checkReadable(Path file) {
    String source = file.toString();
    if (!Files.exists(file)) {
      throw new ConfigException(source, null, "no such file");
    }
    if (Files.isDirectory(file)) {
      throw new ConfigException(source, null, "is a directory, not a config file");
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(source, null, "permission denied");
    }
  }

  private static String firstLine(String message) {
    String m = message == null ? "" : message.strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl).strip();
  }

  private static String localHostName() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name == null || name.isBlank() ? "localhost" : name;
    } catch (IOException | RuntimeException e) {
      return "localhost";
    }
  }
}
