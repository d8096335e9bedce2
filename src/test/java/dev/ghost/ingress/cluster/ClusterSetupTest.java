package dev.ghost.ingress.cluster;

import dev.ghost.ingress.config.ClusterMember;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.ConfigLoader;
import dev.ghost.ingress.config.IngressConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Member parsing, bind-host detection and the Hazelcast/event-bus configuration, without starting anything. */
class ClusterSetupTest {

  /** Literals only: never DNS. */
  private static final ClusterPlan.Resolver LITERALS = host -> {
    if (!Character.isDigit(host.charAt(0)) && host.indexOf(':') < 0) {
      throw new UnknownHostException(host);
    }
    return List.of(InetAddress.getByName(host));
  };

  private static final List<InetAddress> LOCALS = addresses("127.0.0.1", "10.0.0.5", "::1", "fd00::5");

  private static List<InetAddress> addresses(String... literals) {
    return java.util.Arrays.stream(literals).map(a -> {
      try {
        return InetAddress.getByName(a);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(e);
      }
    }).toList();
  }

  private static IngressConfig.Cluster cluster(String host, int port, String... members) {
    return new IngressConfig.Cluster(List.of(members), host, port, "fleet-a", 0);
  }

  private static ClusterPlan plan(IngressConfig.Cluster c) {
    return ClusterPlan.of(c, "node-a", LOCALS, LITERALS);
  }

  // ---- member entries ----

  @Test
  void memberEntriesTakeHostOrHostPortWithIpv6InBrackets() {
    assertThat(ClusterMember.parse("10.0.0.5", 5701)).isEqualTo(new ClusterMember("10.0.0.5", 5701));
    assertThat(ClusterMember.parse(" 10.0.0.5:5801 ", 5701)).isEqualTo(new ClusterMember("10.0.0.5", 5801));
    assertThat(ClusterMember.parse("ingress-1.internal:5702", 5701))
        .isEqualTo(new ClusterMember("ingress-1.internal", 5702));
    assertThat(ClusterMember.parse("[fd00::5]:5702", 5701)).isEqualTo(new ClusterMember("fd00::5", 5702));
    assertThat(ClusterMember.parse("[fd00::5]", 5701)).isEqualTo(new ClusterMember("fd00::5", 5701));
    assertThat(ClusterMember.parse("fd00::5", 5701)).isEqualTo(new ClusterMember("fd00::5", 5701));
    assertThat(ClusterMember.parse("[fd00::5]:5702", 5701).toString()).isEqualTo("[fd00::5]:5702");
    assertThat(ClusterMember.parse("10.0.0.5", 0).toString()).isEqualTo("10.0.0.5");
  }

  @Test
  void badMemberEntriesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> ClusterMember.parse("10.0.0.5:5701-5703", 5701)).hasMessageContaining("no ranges");
    assertThatThrownBy(() -> ClusterMember.parse("10.0.0.5:x", 5701)).hasMessageContaining("not a number");
    assertThatThrownBy(() -> ClusterMember.parse("10.0.0.5:0", 5701)).hasMessageContaining("1-65535");
    assertThatThrownBy(() -> ClusterMember.parse("10.0.0.5:70000", 5701)).hasMessageContaining("1-65535");
    assertThatThrownBy(() -> ClusterMember.parse("[fd00::5", 5701)).hasMessageContaining("']'");
    assertThatThrownBy(() -> ClusterMember.parse("[10.0.0.5]:5701", 5701)).hasMessageContaining("IPv6");
    assertThatThrownBy(() -> ClusterMember.parse("[fd00::5]5701", 5701)).hasMessageContaining("[ipv6]:port");
    assertThatThrownBy(() -> ClusterMember.parse(":5701", 5701)).hasMessageContaining("empty host");
    assertThatThrownBy(() -> ClusterMember.parse("  ", 5701)).hasMessageContaining("empty");
  }

  @Test
  void theConfigLoaderRefusesABadMemberNamingTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.fromJson(new JsonObject(),
        Map.of("GHOST_NODE_ID", "n", "GHOST_CLUSTER_MEMBERS", "10.0.0.5:5701,10.0.0.6:57x"), "c.toml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GHOST_CLUSTER_MEMBERS").hasMessageContaining("10.0.0.6:57x");
    IngressConfig ok = ConfigLoader.fromJson(new JsonObject(),
        Map.of("GHOST_NODE_ID", "n", "GHOST_CLUSTER_MEMBERS", "10.0.0.5, [fd00::6]:5702"), "c.toml");
    assertThat(ok.cluster().members()).containsExactly("10.0.0.5", "[fd00::6]:5702");
    assertThat(ClusterPlan.clustered(ok.cluster())).isTrue();
    IngressConfig standalone = ConfigLoader.fromJson(new JsonObject(), Map.of("GHOST_NODE_ID", "n"), "c.toml");
    assertThat(ClusterPlan.clustered(standalone.cluster())).isFalse();
    assertThat(standalone.cluster().port()).isEqualTo(5701);
    assertThat(standalone.cluster().name()).isEqualTo("ghost-ingress");
  }

  // ---- bind host ----

  @Test
  void theLocalMemberEntryIsTheBindHost() {
    ClusterPlan p = plan(cluster(null, 5701, "10.0.0.4", "10.0.0.5", "10.0.0.6"));
    assertThat(p.bindHost()).isEqualTo("10.0.0.5");
    assertThat(p.memberAddresses()).containsExactly("10.0.0.4:5701", "10.0.0.5:5701", "10.0.0.6:5701");
    assertThat(p.port()).isEqualTo(5701);
    assertThat(p.name()).isEqualTo("fleet-a");
    assertThat(p.nodeId()).isEqualTo("node-a");
  }

  @Test
  void unresolvableOtherMembersDoNotMatter() {
    assertThat(plan(cluster(null, 5701, "ingress-2.internal", "10.0.0.5")).bindHost()).isEqualTo("10.0.0.5");
  }

  @Test
  void ipv6MemberEntriesMatchToo() {
    ClusterPlan p = plan(cluster(null, 5701, "[fd00::4]", "[fd00::5]:5701"));
    assertThat(p.bindHost()).isEqualTo("fd00:0:0:0:0:0:0:5");
    assertThat(p.ipv6()).isTrue();
    assertThat(p.bindHostForAddress()).isEqualTo("[fd00:0:0:0:0:0:0:5]");
  }

  @Test
  void aLoopbackFleetOnOneHostShareTheBindHost() {
    ClusterPlan p = plan(cluster(null, 5702, "127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703"));
    assertThat(p.bindHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void theEntryWithTheOwnPortWinsAmongSeveralLocalOnes() {
    ClusterPlan p = plan(cluster(null, 5702, "127.0.0.1:5701", "10.0.0.5:5702"));
    assertThat(p.bindHost()).isEqualTo("10.0.0.5");
  }

  @Test
  void severalLocalHostsWithoutADecidingPortAreAmbiguous() {
    assertThatThrownBy(() -> plan(cluster(null, 5709, "127.0.0.1:5701", "10.0.0.5:5702")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("GHOST_CLUSTER_HOST").hasMessageContaining("several");
  }

  @Test
  void noLocalMemberEntryIsAClearErrorNamingClusterHost() {
    assertThatThrownBy(() -> plan(cluster(null, 5701, "10.0.0.4", "10.0.0.6:5702")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("environment: GHOST_CLUSTER_HOST: not set")
        .hasMessageContaining("10.0.0.4:5701,10.0.0.6:5702")
        .hasMessageContaining("set GHOST_CLUSTER_HOST");
  }

  @Test
  void anExplicitHostWinsAndNeedNotBeAMember() {
    ClusterPlan p = plan(cluster("192.168.7.7", 5701, "10.0.0.5", "10.0.0.6"));
    assertThat(p.bindHost()).isEqualTo("192.168.7.7");
    assertThat(plan(cluster("[fd00::9]", 5701, "10.0.0.6")).bindHost()).isEqualTo("fd00:0:0:0:0:0:0:9");
    assertThatThrownBy(() -> plan(cluster("no-such-host.invalid", 5701, "10.0.0.6")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("GHOST_CLUSTER_HOST");
  }

  @Test
  void theMachinesOwnAddressesIncludeLoopback() {
    assertThat(ClusterPlan.localAddresses()).contains(InetAddress.getLoopbackAddress());
    ClusterPlan p = ClusterPlan.of(cluster(null, 0, "127.0.0.1:5701"), "n");
    assertThat(p.bindHost()).isEqualTo("127.0.0.1");
  }

  // ---- what is configured ----

  @Test
  void eventBusBindsAndAdvertisesTheBindHost() {
    ClusterPlan p = new ClusterPlan("f", List.of(new ClusterMember("10.0.0.5", 5701)), "10.0.0.5", 5701, 15701,
        "n");
    EventBusOptions eb = p.eventBusOptions();
    assertThat(eb.getHost()).isEqualTo("10.0.0.5");
    assertThat(eb.getPort()).isEqualTo(15701);
    assertThat(eb.getClusterPublicHost()).isEqualTo("10.0.0.5");
  }

  @Test
  void hazelcastConfigCarriesTheNodeSettings() {
    ClusterPlan p = plan(cluster(null, 5801, "10.0.0.4:5801", "10.0.0.5:5801", "[fd00::6]:5801"));
    Config c = ClusterSetup.hazelcastConfig(p, new Properties());
    assertThat(c.getClusterName()).isEqualTo("fleet-a");
    NetworkConfig net = c.getNetworkConfig();
    assertThat(net.getPort()).isEqualTo(5801);
    assertThat(net.isPortAutoIncrement()).isFalse();
    assertThat(net.getPublicAddress()).isEqualTo("10.0.0.5:5801");
    assertThat(net.getInterfaces().isEnabled()).isTrue();
    assertThat(net.getInterfaces().getInterfaces()).containsExactly("10.0.0.5");
    assertThat(net.getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(net.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
    TcpIpConfig tcp = net.getJoin().getTcpIpConfig();
    assertThat(tcp.isEnabled()).isTrue();
    assertThat(tcp.getMembers()).containsExactly("10.0.0.4:5801", "10.0.0.5:5801", "[fd00::6]:5801");
    assertThat(tcp.getConnectionTimeoutSeconds()).as("members started together wait this long for a master")
        .isEqualTo(2);
    assertThat(c.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(c.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(c.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(c.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("10");
    assertThat(c.getProperty("hazelcast.prefer.ipv4.stack")).isNull();
    assertThat(c.getMemberAttributeConfig().getAttribute(ClusterPlan.NODE_ID_ATTRIBUTE)).isEqualTo("node-a");
    // what vertx-hazelcast needs
    assertThat(c.getMultiMapConfigs()).containsKey("__vertx.subs");
    assertThat(c.getMultiMapConfig("__vertx.subs").getValueCollectionType().name()).isEqualTo("SET");
    assertThat(c.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);
    assertThat(c.getMapConfigs()).containsKeys("__vertx.haInfo", "__vertx.nodeInfo");
    assertThat(c.getMapConfig("__vertx.nodeInfo").getBackupCount()).isEqualTo(1);
  }

  @Test
  void portZeroIsEphemeralWithoutAutoIncrementAndIpv6PrefersNoIpv4Stack() {
    ClusterPlan p = plan(cluster(null, 0, "[::1]"));
    Config c = ClusterSetup.hazelcastConfig(p, new Properties());
    assertThat(c.getNetworkConfig().getPort()).isZero();
    assertThat(c.getNetworkConfig().isPortAutoIncrement()).isFalse();
    assertThat(c.getNetworkConfig().getPublicAddress()).isEqualTo("[0:0:0:0:0:0:0:1]");
    assertThat(c.getProperty("hazelcast.prefer.ipv4.stack")).isEqualTo("false");
  }

  @Test
  void hazelcastSystemPropertiesOverrideTheXmlButNotTheNodeSettings() {
    Properties sys = new Properties();
    sys.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    sys.setProperty("hazelcast.socket.bind.any", "true");
    sys.setProperty("unrelated.property", "x");
    Config c = ClusterSetup.hazelcastConfig(plan(cluster(null, 5701, "10.0.0.5")), sys);
    assertThat(c.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
    assertThat(c.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(c.getProperty("unrelated.property")).isNull();
  }

  @Test
  void anOverrideFileReplacesTheBuiltInXml(@TempDir Path dir) throws IOException {
    String xml;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(ClusterSetup.RESOURCE)) {
      xml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path file = Files.writeString(dir.resolve("hz.xml"),
        xml.replace("<property name=\"hazelcast.max.no.heartbeat.seconds\">10</property>",
            "<property name=\"hazelcast.max.no.heartbeat.seconds\">4</property>"));
    Properties sys = new Properties();
    sys.setProperty(ClusterSetup.CONFIG_PROPERTY, file.toString());
    Config c = ClusterSetup.hazelcastConfig(plan(cluster(null, 5701, "10.0.0.5")), sys);
    assertThat(c.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("4");
    assertThat(c.getClusterName()).isEqualTo("fleet-a");
  }

  @Test
  void theBuiltInXmlPassesHazelcastsSchemaCheckThatStartSkips() throws IOException {
    assertThat(System.getProperty(ClusterSetup.SCHEMA_CHECK_PROPERTY)).as("the check is on in this JVM").isNull();
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(ClusterSetup.RESOURCE)) {
      Config checked = new com.hazelcast.config.XmlConfigBuilder(in).build();
      assertThat(checked.getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isTrue();
    }
    ClusterSetup.loadXml(null);
    assertThat(System.getProperty(ClusterSetup.SCHEMA_CHECK_PROPERTY)).as("left as it was").isNull();
  }

  @Test
  void anOperatorsFileIsStillCheckedAgainstTheSchema(@TempDir Path dir) throws IOException {
    String xml;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(ClusterSetup.RESOURCE)) {
      xml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path file = Files.writeString(dir.resolve("hz.xml"), xml.replace("<properties>", "<properties><bogus/>"));
    assertThatThrownBy(() -> ClusterSetup.loadXml(file.toString()))
        .isInstanceOf(com.hazelcast.config.InvalidConfigurationException.class)
        .hasMessageContaining("cvc-"); // the schema's finding: without the check the element is ignored
  }

  @Test
  void theOperatorCopyAndTheClasspathCopyAreIdentical() throws IOException {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(ClusterSetup.RESOURCE)) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .as("cluster/hazelcast.xml must equal src/main/resources/cluster/hazelcast.xml")
          .isEqualTo(Files.readString(Path.of("cluster", "hazelcast.xml")));
    }
  }
}
