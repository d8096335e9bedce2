package dev.ghost.ingress.devcp;

import dev.ghost.ingress.config.Durations;
import dev.ghost.ingress.config.HostPort;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ingress.jar dev-control-plane}: parses the flags (exit 2 and one line on stderr when they are wrong), starts
 * a {@link DevControlPlane} and serves until the process is killed.
 */
public final class DevControlPlaneCommand {

  /** The usage line, also shown in {@code --help}. */
  public static final String USAGE = String.join("\n",
      "  dev-control-plane --state FILE [--listen HOST:PORT] [--token TOKEN] [--org ORG_ID] [--scan 250ms]",
      "                 [--legacy-payloads] [--chaos-latency 200ms] [--chaos-fail-every N]",
      "                 [--chaos-fail-status 500|503] [--chaos-garbage-every N] [--chaos-drop-stream-after N]",
      "                 [--chaos-silent-stream]",
      "                 a local control plane serving the contract from an editable TOML file",
      "                 (conf/dev-control-plane.toml); listen default 127.0.0.1:8080");

  private DevControlPlaneCommand() {}

  /** Thrown for a bad flag or value; the message is the one line printed. */
  static final class BadArgs extends Exception {
    BadArgs(String message) {
      super(message);
    }
  }

  /** Runs the subcommand; returns the exit code (2 for bad flags, 1 when it cannot start). */
  public static int run(List<String> args) {
    DevControlPlane.Options options;
    try {
      options = parse(args);
    } catch (BadArgs e) {
      System.err.println("dev-control-plane: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    DevControlPlane cp;
    try {
      cp = DevControlPlane.start(vertx, options).await();
    } catch (Exception e) {
      System.err.println("dev-control-plane: " + e.getMessage());
      vertx.close();
      return e instanceof DevStateException ? 2 : 1;
    }
    System.out.println("{\"msg\":\"dev control plane listening\",\"host\":\"" + options.host() + "\",\"port\":"
        + cp.port() + ",\"last_event_id\":" + cp.lastEventId() + "}");
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * Parses the flags into options without starting anything (for callers outside this package, e.g. a check of a
   * deployment file's command line).
   *
   * @throws IllegalArgumentException with the one-line reason for a bad flag or value
   */
  public static DevControlPlane.Options parseArgs(List<String> args) {
    try {
      return parse(args);
    } catch (BadArgs e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Parses the flags into options; {@code --flag value} and {@code --flag=value} both work. */
  static DevControlPlane.Options parse(List<String> args) throws BadArgs {
    DevControlPlane.Options o = new DevControlPlane.Options();
    HostPort listen = new HostPort("127.0.0.1", 8080);
    Chaos chaos = new Chaos();
    boolean state = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      String name = a;
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
      switch (name) {
        case "--legacy-payloads" -> o.encoding(PayloadEncoder.Encoding.LEGACY);
        case "--chaos-silent-stream" -> chaos.silentStreams(true);
        case "--state", "--listen", "--token", "--org", "--scan", "--chaos-latency", "--chaos-fail-every",
            "--chaos-fail-status", "--chaos-garbage-every", "--chaos-drop-stream-after" -> {
          if (value == null) {
            if (i + 1 >= args.size()) {
              throw new BadArgs(name + ": missing value");
            }
            value = args.get(++i);
          }
          apply(o, chaos, name, value);
          if (name.equals("--state")) {
            state = true;
          }
          if (name.equals("--listen")) {
            listen = hostPort(value);
          }
        }
        default -> throw new BadArgs("unknown argument '" + a + "' (see --help)");
      }
    }
    if (!state) {
      throw new BadArgs("--state FILE is required");
    }
    return o.host(listen.host()).port(listen.port()).chaos(chaos);
  }

  private static void apply(DevControlPlane.Options o, Chaos chaos, String name, String value) throws BadArgs {
    switch (name) {
      case "--state" -> o.stateFile(Path.of(value));
      case "--token" -> o.token(nonEmpty(name, value));
      case "--org" -> o.org(nonEmpty(name, value));
      case "--scan" -> {
        Duration d = duration(name, value);
        if (d.isZero()) {
          throw new BadArgs(name + ": must be more than 0");
        }
        o.scan(d);
      }
      case "--chaos-latency" -> chaos.latency(duration(name, value));
      case "--chaos-fail-every" -> chaos.failEvery(count(name, value));
      case "--chaos-garbage-every" -> chaos.garbageEvery(count(name, value));
      case "--chaos-drop-stream-after" -> chaos.dropStreamsAfter(count(name, value));
      case "--chaos-fail-status" -> {
        int s = count(name, value);
        if (s != 500 && s != 503) {
          throw new BadArgs(name + ": expected 500 or 503, got '" + value + "'");
        }
        chaos.failStatus(s);
      }
      default -> { } // --listen is handled by the caller
    }
  }

  private static HostPort hostPort(String value) throws BadArgs {
    try {
      return HostPort.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadArgs("--listen: " + e.getMessage());
    }
  }

  private static String nonEmpty(String name, String value) throws BadArgs {
    if (value.isEmpty()) {
      throw new BadArgs(name + ": must not be empty");
    }
    return value;
  }

  private static Duration duration(String name, String value) throws BadArgs {
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new BadArgs(name + ": " + e.getMessage());
    }
  }

  private static int count(String name, String value) throws BadArgs {
    try {
      int n = Integer.parseInt(value);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadArgs(name + ": expected a non-negative integer, got '" + value + "'");
    }
  }
}
