package dev.ghost.ingress.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The parsed command line of {@code java -jar ingress.jar}:
 * <pre>
 *   ingress.jar [--config FILE | --config=FILE]   run a node (no --config: the embedded default.toml)
 *   ingress.jar --help | -h                       print usage
 *   ingress.jar --version                         print the version
 *   ingress.jar SUBCOMMAND [ARGS...]              first argument not starting with "--"; ARGS are its own
 * </pre>
 * Parsing is pure: no file is opened here (a missing file is a {@link ConfigException} from {@link ConfigLoader}).
 */
public sealed interface CommandLine {

  /**
   * Run a node.
   *
   * @param config the config file as given, or null for the embedded {@value ConfigLoader#DEFAULT_RESOURCE}
   */
  record Run(Path config) implements CommandLine {
    /** True when no {@code --config} was given. */
    public boolean embeddedDefault() {
      return config == null;
    }
  }

  /** Print usage and exit 0. */
  record Help() implements CommandLine {}

  /** Print the version and exit 0. */
  record Version() implements CommandLine {}

  /**
   * Run a subcommand; whether {@code name} exists is the caller's decision.
   *
   * @param name the first argument
   * @param args everything after it, unparsed
   */
  record Subcommand(String name, List<String> args) implements CommandLine {
    public Subcommand {
      args = List.copyOf(args);
    }
  }

  /** The options part of {@code --help}; the caller appends its subcommand list. */
  String USAGE = String.join("\n",
      "usage: java -jar ingress.jar [--config FILE]     run a node (default: the embedded default.toml)",
      "       java -jar ingress.jar --help | --version",
      "       java -jar ingress.jar SUBCOMMAND [ARGS...]",
      "options:",
      "  --config FILE, --config=FILE   TOML (.toml), YAML (.yaml, .yml) or JSON (.json) config;",
      "                                 GHOST_* environment variables override it",
      "  --help, -h                     this text",
      "  --version                      print the version");

  /**
   * Parses {@code args}.
   *
   * @throws UsageException with a one-line message for an unknown option, a missing or repeated value, or a
   *     stray argument
   */
  static CommandLine parse(String... args) {
    if (args.length > 0 && !args[0].startsWith("-")) {
      return new Subcommand(args[0], Arrays.asList(args).subList(1, args.length));
    }
    String config = null;
    boolean help = false;
    boolean version = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        help = true;
      } else if (arg.equals("--version")) {
        version = true;
      } else if (arg.equals("--config") || arg.startsWith("--config=")) {
        String value;
        if (arg.equals("--config")) {
          if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new UsageException("option --config needs a FILE");
          }
          value = args[++i];
        } else {
          value = arg.substring("--config=".length());
        }
        if (value.isBlank()) {
          throw new UsageException("option --config needs a FILE");
        }
        if (config != null) {
          throw new UsageException("option --config given twice");
        }
        config = value;
      } else if (arg.startsWith("-")) {
        throw new UsageException("unknown option '" + arg + "' (try --help)");
      } else {
        throw new UsageException("unexpected argument '" + arg + "' (try --help)");
      }
    }
    if (help) {
      return new Help();
    }
    if (version) {
      return new Version();
    }
    if (config == null) {
      return new Run(null);
    }
    try {
      return new Run(Path.of(config));
    } catch (java.nio.file.InvalidPathException e) {
      throw new UsageException("option --config: not a valid path: '" + config + "'");
    }
  }
}
