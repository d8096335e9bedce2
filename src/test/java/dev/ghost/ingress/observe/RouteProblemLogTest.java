package dev.ghost.ingress.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ghost.ingress.route.Backend;
import dev.ghost.ingress.route.Origin;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.Route;
import dev.ghost.ingress.route.RouteTable;
import dev.ghost.ingress.route.RouteTableBuilder;
import dev.ghost.ingress.route.RouteTableRef;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Control-plane conflicts and rejections reach the log once each, however many tables (one per control-plane
 * change) still carry them, through the same {@link RouteTableRef} swaps the sync path makes.
 */
class RouteProblemLogTest {

  private static final Backend BACKEND = new Backend("fd00::1", 8443);

  private ListAppender<ILoggingEvent> lines;
  private long versions;

  @BeforeEach
  void capture() {
    lines = new ListAppender<>();
    lines.start();
    ((Logger) LoggerFactory.getLogger(RouteProblemLog.class)).addAppender(lines);
  }

  @AfterEach
  void release() {
    ((Logger) LoggerFactory.getLogger(RouteProblemLog.class)).detachAppender(lines);
  }

  private static Route cp(String id, String host, int port, long eventId) {
    return Route.tls(id, host, port).withOrigin(Origin.CONTROL_PLANE, eventId).withBackends(List.of(BACKEND));
  }

  private RouteTable table(Route... routes) {
    RouteTableBuilder b = new RouteTableBuilder(++versions, PortPolicy.DEFAULT);
    List.of(routes).forEach(b::add);
    return b.build();
  }

  private List<Map<String, Object>> logged(String message) {
    return lines.list.stream().filter(e -> e.getFormattedMessage().equals(message))
        .map(e -> e.getKeyValuePairs().stream().collect(Collectors.toMap(kv -> kv.key, kv -> kv.value == null
            ? "null" : kv.value)))
        .toList();
  }

  @Test
  void eachConflictAndRejectionIsLoggedOnceAcrossRebuilds() {
    Route old = cp("rt_old", "shop.example.com", 443, 10);
    Route young = cp("rt_young", "shop.example.com", 443, 20);
    Route bad = cp("rt_bad", "-bad-.example..com", 443, 30);
    RouteTableRef tables = new RouteTableRef(table());
    RouteProblemLog.attach(tables);

    tables.swap(table(old, young, bad));
    tables.swap(table(old, young, bad, cp("rt_other", "other.example.com", 443, 40))); // an unrelated change
    tables.swap(table(old, young, bad, cp("rt_other", "other.example.com", 443, 40)));

    assertThat(logged("route conflict")).singleElement().satisfies(line -> assertThat(line)
        .containsEntry("route_id", "rt_young").containsEntry("winner", "rt_old").containsEntry("port", 443)
        .containsEntry("host", "shop.example.com").containsKey("reason"));
    assertThat(logged("route rejected")).singleElement().satisfies(line -> assertThat(line)
        .containsEntry("route_id", "rt_bad").containsKey("reason"));
  }

  @Test
  void aConflictThatGoesAwayAndComesBackIsLoggedAgain() {
    Route old = cp("rt_old", "shop.example.com", 443, 10);
    Route young = cp("rt_young", "shop.example.com", 443, 20);
    RouteTableRef tables = new RouteTableRef(table(old, young));
    RouteProblemLog.attach(tables);
    assertThat(logged("route conflict")).as("the table in force at attach").hasSize(1);

    tables.swap(table(old)); // rt_young deleted: the conflict is forgotten
    tables.swap(table(old, young)); // and made again
    tables.swap(table(old, young, cp("rt_third", "shop.example.com", 443, 30))); // a second loser

    assertThat(logged("route conflict")).extracting(line -> line.get("route_id"))
        .containsExactly("rt_young", "rt_young", "rt_third");
  }
}
