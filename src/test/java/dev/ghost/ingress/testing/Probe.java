package dev.ghost.ingress.testing;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a test node's metrics and admin API. */
public final class Probe {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Probe() {}

  /** Sum of the counters {@code name} (dotted Micrometer name) carrying {@code tags} (key, value, ...). */
  public static double counter(TestNode node, String name, String... tags) {
    return node.node().registry().find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** {@code ghost.connections.closed} for one reason, any route. */
  public static double closed(TestNode node, String reason) {
    return counter(node, "ghost.connections.closed", "reason", reason);
  }

  public static String get(TestNode node, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(node.admin(path)))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET " + path + " -> " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (IOException e) {
      throw new AssertionError("GET " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public static JsonObject routes(TestNode node) {
    return new JsonObject(get(node, "/v1/routes"));
  }

  /** The value of an unlabelled sample in Prometheus text, or NaN when absent. */
  public static double metricText(String text, String sample) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  /** The state ("eligible"/"ejected"/"probe_down"/"drained") of one backend of a route on /v1/routes, or null. */
  public static String backendState(TestNode node, String routeId, String backend) {
    JsonArray routes = routes(node).getJsonArray("routes");
    for (int i = 0; i < routes.size(); i++) {
      JsonObject r = routes.getJsonObject(i);
      if (routeId.equals(r.getString("id"))) {
        JsonArray bs = r.getJsonArray("backends");
        for (int j = 0; j < bs.size(); j++) {
          if (backend.equals(bs.getJsonObject(j).getString("address"))) {
            return bs.getJsonObject(j).getString("state");
          }
        }
      }
    }
    return null;
  }
}
