package dev.ghost.ingress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import java.io.InputStream;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What the shaded jar carries from its dependencies: one Netty version for every module (the netty-bom import ahead
 * of the Vert.x BOM; convergence per artifact alone would let 4.2.9 classes sit beside a 4.2.18 native library),
 * the epoll native library the data path calls directly, and the HAProxy codec the sample workload's Vert.x PROXY
 * support loads reflectively.
 */
class ShadedJarIT {

  @Test
  void everyNettyModuleIsOneVersionAndTheEpollNativeIsInside() throws Exception {
    try (ZipFile jar = new ZipFile(JarProcess.builtJar().toFile())) {
      assertThat(jar.getEntry("META-INF/native/libnetty_transport_native_epoll_x86_64.so")).isNotNull();
      // every module's own pom.properties survives shading (Netty's versions file keeps only the first one)
      Map<String, String> byModule = new TreeMap<>();
      for (ZipEntry e : Collections.list(jar.entries())) {
        if (e.getName().startsWith("META-INF/maven/io.netty/") && e.getName().endsWith("/pom.properties")) {
          Properties props = new Properties();
          try (InputStream in = jar.getInputStream(e)) {
            props.load(in);
          }
          byModule.put(props.getProperty("artifactId"), props.getProperty("version"));
        }
      }
      assertThat(byModule).as("modules listed").containsKeys("netty-common", "netty-transport-classes-epoll",
          "netty-transport-native-epoll", "netty-handler");
      Set<String> distinct = Set.copyOf(byModule.values());
      assertThat(distinct).as("one Netty version for all modules: " + byModule).hasSize(1);
      assertThat(distinct.iterator().next()).as("the version the classes in the test run came from")
          .isEqualTo(io.netty.util.Version.identify().get("netty-common").artifactVersion());
      assertThat(patchOf42(distinct.iterator().next())).as("4.2.18 or later: the native-transport fixes")
          .isGreaterThanOrEqualTo(418);
    }
  }

  /** {@code 4.2.18.Final} as 418: 400 plus the 4.2 line's patch number; 0 for another line. */
  private static int patchOf42(String version) {
    String[] parts = version.split("\\.");
    return parts[0].equals("4") && parts[1].equals("2") ? 400 + Integer.parseInt(parts[2]) : 0;
  }

  @Test
  void nettysProxyProtocolCodecIsLeftToTheTests() throws Exception {
    // the sample workload reads PROXY v2 with the ingress' own reader; only tests decode with Netty's
    try (ZipFile jar = new ZipFile(JarProcess.builtJar().toFile())) {
      assertThat(jar.stream().map(e -> e.getName()).filter(n -> n.startsWith("io/netty/handler/codec/haproxy/")))
          .isEmpty();
    }
  }
}
