package dev.ghost.ingress.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** What the admin CLI prints for answers of known shape, and that it never hides a field. */
class AdminTablesTest {

  @Test
  void theFleetIsATableWithItsLeaderAbove() {
    JsonObject fleet = new JsonObject("""
        {"leader":"node-1","last_propagation_ms":212,"nodes":[
          {"node_id":"node-1","version":42,"hash":"ab12","applied_at":"2026-12-07T07:00:00Z","alive":true,
           "diverged":false,"draining":false},
          {"node_id":"node-22","version":41,"hash":"ff00","applied_at":"2026-12-07T06:59:58Z","alive":false,
           "diverged":true,"draining":true}],
         "draining":{"[fd00::7]:8443":{"open":1,"nodes":{"node-1":1}}}}""");
    assertThat(AdminTables.render(AdminCommand.FLEET, fleet)).isEqualTo("""
        leader node-1, last propagation 212 ms

        NODE     VERSION  HASH  APPLIED               ALIVE  DIVERGED  DRAINING
        node-1   42       ab12  2026-12-07T07:00:00Z  true   false     false
        node-22  41       ff00  2026-12-07T06:59:58Z  false  true      true

        draining backends
          [fd00::7]:8443: {"open":1,"nodes":{"node-1":1}}
        """);
  }

  @Test
  void aRouteWithSeveralBackendsTakesOneRowPerBackend() {
    JsonObject routes = new JsonObject("""
        {"version":3,"routes":[{"id":"a","hostname":"a.example.com","port":443,"protocol":"tls_passthrough",
          "proxy_protocol":"v2","env":null,"origin":"static","open_connections":2,
          "backends":[{"address":"[::1]:9443","state":"eligible"},{"address":"[::1]:9444","state":"ejected"}]}],
         "conflicts":[{"winner":"a","loser":"b","port":443}],"rejected":[],"bind_failures":[]}""");
    assertThat(AdminTables.render(AdminCommand.ROUTES, routes)).isEqualTo("""
        table version 3

        ROUTE  HOSTNAME       PORT  PROTOCOL         PROXY  ENV  ORIGIN  OPEN  BACKEND     STATE
        a      a.example.com  443   tls_passthrough  v2     -    static  2     [::1]:9443  eligible
        -      -              -     -                -      -    -       -     [::1]:9444  ejected

        conflicts
          winner=a loser=b port=443""" + "\n");
  }

  @Test
  void otherAnswersAreKeyValueLinesWithNestedKeysDottedAndUnknownFieldsKept() {
    JsonObject answer = new JsonObject("""
        {"backend":"[::1]:9443","drained":true,"nodes":{"a":1},"future_field":"x"}""");
    assertThat(AdminTables.render(AdminCommand.DRAIN, answer)).isEqualTo("""
        backend:      [::1]:9443
        drained:      true
        nodes.a:      1
        future_field: x""");
  }

  @Test
  void anErrorIsOneLine() {
    assertThat(AdminTables.render(AdminCommand.FLEET,
        new JsonObject().put("error", "not_clustered").put("detail", "standalone node")))
        .isEqualTo("error: not_clustered: standalone node");
  }
}
