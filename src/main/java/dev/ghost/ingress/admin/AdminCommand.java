package dev.ghost.ingress.admin;

import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * Every command of {@code ingress.jar admin}, once: its name, its arguments, what it does, and the admin API call it
 * makes. The CLI's parser, its help text, the tables it prints and the shell completion all derive from this list.
 */
public enum AdminCommand {

  STATUS("status", List.of(), "the node: phase, table version, sockets, sync and state file",
      args -> Call.get("/v1/status")),
  ROUTES("routes", List.of(), "every route with its backends' state; conflicts, rejections, bind failures",
      args -> Call.get("/v1/routes")),
  FLEET("fleet", List.of(), "every node of the cluster: leader, version, hash, alive, diverged, draining",
      args -> Call.get("/v1/fleet")),
  EXPLAIN("explain", List.of("SNI", "ADDRESS", "PORT"),
      "how a connection to ADDRESS:PORT with SNI would be routed ('-': no SNI)",
      args -> Call.get("/v1/explain?sni=" + enc(args.get(0).equals("-") ? "" : args.get(0)) + "&address="
          + enc(args.get(1)) + "&port=" + enc(args.get(2)))),
  DRAIN("drain", List.of("BACKEND"), "stop sending new connections to BACKEND (host:port, IPv6 as [addr]:port)",
      args -> Call.post("/v1/backends/drain", new JsonObject().put("backend", args.get(0)))),
  UNDRAIN("undrain", List.of("BACKEND"), "send new connections to BACKEND again",
      args -> Call.post("/v1/backends/undrain", new JsonObject().put("backend", args.get(0)))),
  LOG_LEVEL("log-level", List.of("LEVEL"), "set the log level (trace|debug|info|warn|error)",
      args -> Call.post("/v1/log-level", new JsonObject().put("level", args.get(0)))),
  DRAIN_NODE("drain-node", List.of(), "graceful drain of the node --url points at, then it exits 0",
      args -> Call.post("/v1/node/drain", new JsonObject())),
  RELOAD("reload", List.of(), "re-read the node's config file now (as SIGHUP does)",
      args -> Call.post("/v1/config/reload", new JsonObject()));

  /**
   * One admin API call.
   *
   * @param method {@code GET} or {@code POST}
   * @param path   path and query, from the API's root
   * @param body   the JSON body of a POST, else null
   */
  public record Call(String method, String path, JsonObject body) {
    static Call get(String path) {
      return new Call("GET", path, null);
    }

    static Call post(String path, JsonObject body) {
      return new Call("POST", path, body);
    }
  }

  private final String word;
  private final List<String> params;
  private final String summary;
  private final Function<List<String>, Call> call;

  AdminCommand(String word, List<String> params, String summary, Function<List<String>, Call> call) {
    this.word = word;
    this.params = params;
    this.summary = summary;
    this.call = call;
  }

  /** The word on the command line. */
  public String word() {
    return word;
  }

  /** Names of the arguments it takes, in order. */
  public List<String> params() {
    return params;
  }

  /** One line: what it does. */
  public String summary() {
    return summary;
  }

  /** {@code word PARAM...}. */
  public String synopsis() {
    return params.isEmpty() ? word : word + " " + String.join(" ", params);
  }

  /** The call for {@code args} (exactly {@link #params()} of them). */
  public Call call(List<String> args) {
    if (args.size() != params.size()) {
      throw new IllegalArgumentException(word + (params.isEmpty() ? " takes no arguments"
          : " needs " + String.join(" ", params)));
    }
    return call.apply(args);
  }

  /** The command named {@code word}, or null. */
  public static AdminCommand of(String word) {
    for (AdminCommand c : values()) {
      if (c.word.equals(word)) {
        return c;
      }
    }
    return null;
  }

  /** Every command word, separated by {@code |}. */
  public static String words() {
    return String.join("|", java.util.Arrays.stream(values()).map(AdminCommand::word).toList());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
