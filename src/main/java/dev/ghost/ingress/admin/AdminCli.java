package dev.ghost.ingress.admin;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar ingress.jar admin [--url URL] [--token T] [--json] COMMAND [ARGS]}: calls a node's admin HTTP API
 * and prints its answer, as tables and {@code key: value} lines ({@link AdminTables}) or, with {@code --json}, the
 * JSON itself for scripts. The commands are {@link AdminCommand}'s. Exit 0 on a 2xx answer, 1 when the node refused
 * or could not be reached (its error is printed), 2 and one line on stderr for bad usage.
 */
public final class AdminCli {

  /** The options, for the usage text and the shell completion. */
  public static final List<String> OPTIONS = List.of("--url", "--token", "--json");

  /** One line per form, for {@code --help}: derived from {@link AdminCommand}. */
  public static final String USAGE = usage();

  private static final String DEFAULT_URL = "http://127.0.0.1:9901";

  private AdminCli() {}

  private static String usage() {
    StringBuilder out = new StringBuilder("  admin [--url " + DEFAULT_URL + "] [--token T] [--json] COMMAND\n"
        + "                 call a node's admin API and print its answer as tables (--json: the JSON);\n"
        + "                 the token also from GHOST_ADMIN_TOKEN. COMMAND is one of:");
    int width = java.util.Arrays.stream(AdminCommand.values()).mapToInt(c -> c.synopsis().length()).max()
        .orElse(0);
    for (AdminCommand c : AdminCommand.values()) {
      out.append("\n                   ").append(c.synopsis()).append(" ".repeat(width - c.synopsis().length() + 2))
          .append(c.summary());
    }
    return out.toString();
  }

  /** Runs with the process's stdout/stderr and environment. */
  public static int run(List<String> args) {
    return run(args, System.out, System.err, System.getenv("GHOST_ADMIN_TOKEN"));
  }

  /** Runs against the given streams; {@code envToken} is the token used when {@code --token} is absent. */
  public static int run(List<String> args, PrintStream out, PrintStream err, String envToken) {
    String url = DEFAULT_URL;
    String token = envToken == null || envToken.isEmpty() ? null : envToken;
    boolean json = false;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--url") || a.equals("--token")) {
        if (i + 1 >= args.size()) {
          return usage(err, a + " needs a value");
        }
        String v = args.get(++i);
        if (a.equals("--url")) {
          url = v;
        } else {
          token = v;
        }
      } else if (a.startsWith("--url=")) {
        url = a.substring("--url=".length());
      } else if (a.startsWith("--token=")) {
        token = a.substring("--token=".length());
      } else if (a.equals("--json")) {
        json = true;
      } else if (a.startsWith("--")) {
        return usage(err, "unknown option " + a);
      } else {
        rest.add(a);
      }
    }
    if (rest.isEmpty()) {
      return usage(err, "missing COMMAND (" + AdminCommand.words() + ")");
    }
    URI base;
    try {
      base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
      if (base.getScheme() == null || !base.getScheme().startsWith("http") || base.getHost() == null) {
        return usage(err, "--url must be http(s)://host:port, got '" + url + "'");
      }
    } catch (IllegalArgumentException e) {
      return usage(err, "--url must be http(s)://host:port, got '" + url + "'");
    }
    AdminCommand command = AdminCommand.of(rest.get(0));
    if (command == null) {
      return usage(err, "unknown admin command '" + rest.get(0) + "' (" + AdminCommand.words() + ")");
    }
    AdminCommand.Call call;
    try {
      call = command.call(rest.subList(1, rest.size()));
    } catch (IllegalArgumentException e) {
      return usage(err, e.getMessage());
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + call.path()));
    if (call.body() != null) {
      req.header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(call.body().encode()));
    }
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> resp = http.send(req.timeout(Duration.ofSeconds(15)).build(),
          HttpResponse.BodyHandlers.ofString());
      out.println(show(command, resp.body(), json));
      return resp.statusCode() / 100 == 2 ? 0 : 1;
    } catch (java.io.IOException e) {
      err.println("ingress admin: cannot reach " + base + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** The answer as printed: tables, or the JSON pretty-printed; a body that is not JSON as it came. */
  private static String show(AdminCommand command, String body, boolean json) {
    JsonObject answer;
    try {
      answer = new JsonObject(body);
    } catch (RuntimeException notJson) {
      return body;
    }
    return json ? answer.encodePrettily() : AdminTables.render(command, answer);
  }

  private static int usage(PrintStream err, String message) {
    err.println("ingress admin: " + message + " (see --help)");
    return 2;
  }
}
