package dev.ghost.ingress.admin;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code java -jar ingress.jar admin [--url URL] [--token T] COMMAND [ARGS]}: calls a node's admin HTTP API and
 * prints the JSON answer. Exit 0 on a 2xx answer, 1 when the node refused or could not be reached (its JSON error
 * is printed), 2 and one line on stderr for bad usage.
 */
public final class AdminCli {

  /** One line per form, for {@code --help}. */
  public static final String USAGE = String.join("\n",
      "  admin [--url http://127.0.0.1:9901] [--token T] COMMAND",
      "                 call a node's admin API and print the JSON; COMMAND is one of: status | routes |",
      "                 explain SNI ADDRESS PORT (SNI '-' for none) | drain BACKEND | undrain BACKEND |",
      "                 log-level LEVEL | drain-node (graceful drain, then the node exits 0) |",
      "                 reload (re-read the config file now)  (token also from GHOST_ADMIN_TOKEN)");

  private static final String DEFAULT_URL = "http://127.0.0.1:9901";

  private AdminCli() {}

  /** Runs with the process's stdout/stderr and environment. */
  public static int run(List<String> args) {
    return run(args, System.out, System.err, System.getenv("GHOST_ADMIN_TOKEN"));
  }

  /** Runs against the given streams; {@code envToken} is the token used when {@code --token} is absent. */
  public static int run(List<String> args, PrintStream out, PrintStream err, String envToken) {
    String url = DEFAULT_URL;
    String token = envToken == null || envToken.isEmpty() ? null : envToken;
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
      } else if (a.startsWith("--")) {
        return usage(err, "unknown option " + a);
      } else {
        rest.add(a);
      }
    }
    if (rest.isEmpty()) {
      return usage(err, "missing COMMAND (status|routes|explain|drain|undrain|log-level|drain-node|reload)");
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
    String command = rest.get(0);
    List<String> params = rest.subList(1, rest.size());
    HttpRequest.Builder req;
    switch (command) {
      case "status", "routes" -> {
        if (!params.isEmpty()) {
          return usage(err, command + " takes no arguments");
        }
        req = HttpRequest.newBuilder(URI.create(base + "/v1/" + command)).GET();
      }
      case "explain" -> {
        if (params.size() != 3) {
          return usage(err, "explain needs SNI ADDRESS PORT (SNI '-' for none)");
        }
        String sni = params.get(0).equals("-") ? "" : params.get(0);
        req = HttpRequest.newBuilder(URI.create(base + "/v1/explain?sni=" + enc(sni) + "&address="
            + enc(params.get(1)) + "&port=" + enc(params.get(2)))).GET();
      }
      case "drain", "undrain" -> {
        if (params.size() != 1) {
          return usage(err, command + " needs BACKEND (host:port, IPv6 as [addr]:port)");
        }
        req = post(base + "/v1/backends/" + command, new JsonObject().put("backend", params.get(0)));
      }
      case "log-level" -> {
        if (params.size() != 1) {
          return usage(err, "log-level needs LEVEL (trace|debug|info|warn|error)");
        }
        req = post(base + "/v1/log-level", new JsonObject().put("level", params.get(0)));
      }
      case "drain-node" -> {
        if (!params.isEmpty()) {
          return usage(err, "drain-node takes no arguments (it drains the node --url points at)");
        }
        req = post(base + "/v1/node/drain", new JsonObject());
      }
      case "reload" -> {
        if (!params.isEmpty()) {
          return usage(err, "reload takes no arguments");
        }
        req = post(base + "/v1/config/reload", new JsonObject());
      }
      default -> {
        return usage(err, "unknown admin command '" + command
            + "' (status|routes|explain|drain|undrain|log-level|drain-node|reload)");
      }
    }
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> resp = http.send(req.timeout(Duration.ofSeconds(15)).build(),
          HttpResponse.BodyHandlers.ofString());
      String body = resp.body();
      try {
        out.println(new JsonObject(body).encodePrettily());
      } catch (RuntimeException notJson) {
        out.println(body);
      }
      return resp.statusCode() / 100 == 2 ? 0 : 1;
    } catch (java.io.IOException e) {
      err.println("ingress admin: cannot reach " + base + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static HttpRequest.Builder post(String url, JsonObject body) {
    return HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static int usage(PrintStream err, String message) {
    err.println("ingress admin: " + message + " (see --help)");
    return 2;
  }
}
