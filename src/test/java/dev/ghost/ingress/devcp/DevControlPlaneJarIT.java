package dev.ghost.ingress.devcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar ingress.jar dev-control-plane}: bad flags and files exit 2 with one line; the shipped example
 * file serves its events with the token, and the token never reaches the logs.
 */
class DevControlPlaneJarIT {

  static final Duration EXIT_DEADLINE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private String usageError(String... args) throws Exception {
    try (JarProcess p = JarProcess.start(Map.of(), args)) {
      assertThat(p.awaitExit(EXIT_DEADLINE)).as(p.describe()).isEqualTo(2);
      assertThat(p.stderr()).as(p.describe()).hasSize(1);
      assertThat(JarProcess.stackTraceLines(p.stderr())).isEmpty();
      return p.stderr().get(0);
    }
  }

  @Test
  void badArgumentsExitTwoWithOneLine() throws Exception {
    assertThat(usageError("dev-control-plane")).isEqualTo("dev-control-plane: --state FILE is required");
    assertThat(usageError("dev-control-plane", "--state", "x.toml", "--listen", "nope"))
        .startsWith("dev-control-plane: --listen:");
    assertThat(usageError("dev-control-plane", "--state", dir.resolve("missing.toml").toString()))
        .contains("missing.toml: cannot read");
    Path bad = JarProcess.write(dir, "bad.toml", "org = \"org_1\"\ntoken = \"t\"\nbogus = 1\n");
    assertThat(usageError("dev-control-plane", "--state", bad.toString())).endsWith("bogus: unknown key");
  }

  @Test
  void servesTheShippedExample() throws Exception {
    Path state = Files.copy(Path.of("conf/dev-control-plane.toml"), dir.resolve("dev-control-plane.toml"));
    try (JarProcess p = JarProcess.start(Map.of(), "dev-control-plane", "--state", state.toString(),
        "--listen", "127.0.0.1:0", "--legacy-payloads")) {
      JsonObject up = p.awaitLog("dev control plane listening", j -> j.containsKey("port"),
          JarProcess.START_DEADLINE);
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + up.getInteger("port")
              + "/v1/orgs/org_01JFW0000000000000000000/events"))
          .header("Authorization", "Bearer dev-token").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      JsonArray items = new JsonObject(r.body()).getJsonArray("items");
      assertThat(items).extracting(o -> ((JsonObject) o).getString("event_type"))
          .containsExactly("env.ipv4_addon_enabled", "route.created", "instance.status_changed");
      JsonObject route = items.getJsonObject(1).getJsonObject("payload");
      assertThat(route.getString("protocol_hint")).isEqualTo("tls_passthrough");
      assertThat(route.getString("proxy_protocol")).isEqualTo("v2");
      assertThat(route.getInteger("backend_port")).isEqualTo(9443);
      assertThat(DevControlPlane.eventsFile(state)).exists();
      assertThat(p.stdout()).noneMatch(l -> l.contains("dev-token"));
    }
  }
}
