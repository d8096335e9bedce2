package dev.ghost.ingress.cluster;

import com.hazelcast.core.HazelcastInstance;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.testing.TestFleet;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;

/**
 * A Vert.x + Hazelcast member in the test's JVM that joins a fleet's cluster with another secret: started before
 * the fleet, it is the oldest member, and it can read and write any map value and send any bus message. The fleet
 * names it as its only configured member ({@link #memberList}).
 *
 * @param vertx     its clustered Vert.x
 * @param hazelcast its Hazelcast instance, for the maps
 * @param port      its Hazelcast port on 127.0.0.1
 */
record StrangerMember(Vertx vertx, HazelcastInstance hazelcast, int port) implements AutoCloseable {

  /** Starts a member of cluster {@code clusterName} alone, signing with {@code trust}. */
  static StrangerMember join(String clusterName, String nodeId, ClusterTrust trust) {
    return join(clusterName, nodeId, trust, List.of());
  }

  /** Starts a member of cluster {@code clusterName} joining {@code others} (host:port), signing with {@code trust}. */
  static StrangerMember join(String clusterName, String nodeId, ClusterTrust trust, List<String> others) {
    int port = TestFleet.freePort(new HashSet<>());
    List<String> members = new ArrayList<>(others);
    members.add("127.0.0.1:" + port);
    IngressConfig.Cluster c = new IngressConfig.Cluster(members, "127.0.0.1", port, clusterName, 0);
    ClusterPlan plan = ClusterPlan.of(c, nodeId);
    Properties props = new Properties();
    TestFleet.FAST_HAZELCAST.forEach(props::setProperty);
    HazelcastClusterManager manager = new HazelcastClusterManager(ClusterSetup.hazelcastConfig(plan, props));
    Vertx vertx = Vertx.builder().with(new VertxOptions().setEventBusOptions(plan.eventBusOptions(trust)))
        .withClusterManager(manager).buildClustered().await();
    return new StrangerMember(vertx, manager.getHazelcastInstance(), port);
  }

  /** {@code GHOST_CLUSTER_MEMBERS} for the fleet: this member. */
  String memberList() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
