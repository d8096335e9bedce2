package dev.ghost.ingress.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InterfacesConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Builds the Hazelcast member configuration of a clustered node: {@code cluster/hazelcast.xml} (classpath, or the
 * file named by system property {@value #CONFIG_PROPERTY}), then every {@code -Dhazelcast.*} system property, then
 * the node's {@link ClusterPlan} (name, tcp-ip members, bind and public address, port without auto-increment,
 * node-id attribute).
 *
 * <p>This is the only class that touches Hazelcast; a standalone node never loads it.
 */
public final class ClusterSetup {

  /** System property naming a Hazelcast XML file to use instead of the built-in {@value #RESOURCE}. */
  public static final String CONFIG_PROPERTY = "ghost.hazelcast.config";
  /** The classpath copy of {@code cluster/hazelcast.xml}. */
  public static final String RESOURCE = "cluster/hazelcast.xml";
  /** Hazelcast's switch for checking a configuration file against its XML schema (on unless set to false). */
  static final String SCHEMA_CHECK_PROPERTY = "hazelcast.config.schema.validation.enabled";

  private ClusterSetup() {}

  /** A Vert.x cluster manager for {@code plan} (Hazelcast starts when Vert.x joins, on a worker thread). */
  public static ClusterManager clusterManager(ClusterPlan plan) {
    return new HazelcastClusterManager(hazelcastConfig(plan, System.getProperties()));
  }

  /** The XML configuration, the {@code hazelcast.*} entries of {@code system}, then {@code plan}. */
  public static Config hazelcastConfig(ClusterPlan plan, Properties system) {
    Config config = loadXml(system.getProperty(CONFIG_PROPERTY));
    for (String name : system.stringPropertyNames()) {
      if (name.startsWith("hazelcast.")) {
        config.setProperty(name, system.getProperty(name));
      }
    }
    apply(config, plan);
    return config;
  }

  /** Parses the override file, or the classpath copy when {@code overridePath} is null or blank. */
  static Config loadXml(String overridePath) {
    if (overridePath != null && !overridePath.isBlank()) {
      Path file = Path.of(overridePath);
      try (InputStream in = Files.newInputStream(file)) {
        return new XmlConfigBuilder(in).build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + CONFIG_PROPERTY + " file " + file, e);
      }
    }
    try (InputStream in = ClusterSetup.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource " + RESOURCE + " is missing");
      }
      return withoutSchemaCheck(() -> new XmlConfigBuilder(in).build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Builds the built-in file without checking it against Hazelcast's XML schema: the check costs ≈ 300 ms of CPU at
   * every clustered start (JFR: the main thread's largest part before the join), and the file it would check is
   * the one in this jar, checked by {@code ClusterSetupTest}. An operator's file is still checked. Hazelcast reads
   * the switch from the system properties only, at start, on one thread; an operator's own setting wins.
   */
  private static Config withoutSchemaCheck(Supplier<Config> build) {
    if (System.getProperty(SCHEMA_CHECK_PROPERTY) != null) {
      return build.get();
    }
    System.setProperty(SCHEMA_CHECK_PROPERTY, "false");
    try {
      return build.get();
    } finally {
      System.clearProperty(SCHEMA_CHECK_PROPERTY);
    }
  }

  private static void apply(Config config, ClusterPlan plan) {
    config.setClusterName(plan.name());
    config.setProperty("hazelcast.socket.bind.any", "false");
    if (plan.ipv6()) {
      config.setProperty("hazelcast.prefer.ipv4.stack", "false");
    }
    config.getMemberAttributeConfig().setAttribute(ClusterPlan.NODE_ID_ATTRIBUTE, plan.nodeId());
    NetworkConfig net = config.getNetworkConfig();
    net.setPort(plan.port()).setPortAutoIncrement(false);
    net.setPublicAddress(plan.port() == 0 ? plan.bindHostForAddress()
        : plan.bindHostForAddress() + ":" + plan.port());
    InterfacesConfig interfaces = net.getInterfaces();
    interfaces.clear();
    interfaces.setEnabled(true).addInterface(plan.bindHost());
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getAwsConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(plan.memberAddresses());
  }
}
