package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.TestNode;
import dev.ghost.ingress.testing.TestNode.RouteJson;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A real node's {@code /metrics}, read as a scraper does: every {@code ghost_*} family it shows carries the HELP
 * text declared in {@link MetricNames}, whichever code registered the meter.
 */
class MetricsHelpIT {

  @Test
  void everyGhostFamilyOnTheScrapeHasItsDeclaredHelp() throws Exception {
    try (TestNode node = TestNode.start(new TestNode.Spec().ipv6("::1")
        .route(RouteJson.raw("raw", 7000, "127.0.0.1:9")))) {
      // one refused connection: connection, route and connect-failure meters appear too
      try (Socket s = new Socket("::1", node.port("::1", 7000))) {
        s.getOutputStream().write('x');
        s.getInputStream().read();
      } catch (java.io.IOException reset) {
        // the node closes it: no backend listens on port 9
      }
      String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.admin("/metrics")))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
      Map<String, String> help = new HashMap<>();
      Set<String> families = new HashSet<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# HELP ")) {
          String[] parts = line.substring(7).split(" ", 2);
          help.put(parts[0], parts.length > 1 ? parts[1] : "");
        } else if (line.startsWith("# TYPE ghost_")) {
          families.add(line.split(" ")[2]);
        }
      }
      assertThat(families).as("ghost families on the scrape").hasSizeGreaterThan(10);
      for (String family : families) {
        assertThat(help.get(family)).as("HELP of " + family).isNotBlank();
        assertThat(MetricNames.help().values()).as("HELP of " + family + " is a declared text")
            .contains(help.get(family).replace("\\\\", "\\").replace("\\n", "\n"));
      }
    }
  }
}
