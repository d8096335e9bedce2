package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import dev.ghost.ingress.observe.MetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared secret: start-up refusals, MACs over canonical bytes, sealed map values, refusal counting. */
class ClusterTrustTest {

  static final String SECRET = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @TempDir
  Path dir;

  static IngressConfig.Cluster cluster(String secretFile, boolean insecure) {
    return new IngressConfig.Cluster(List.of("127.0.0.1:5701"), null, 5701, "c", 0, secretFile, insecure);
  }

  static ClusterTrust trust(String secret) {
    return ClusterTrust.ofSecret(secret.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aClusteredNodeWithoutSecretOrInsecureFlagIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> ClusterTrust.load(cluster(null, false))).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("GHOST_CLUSTER_SECRET_FILE"))
        .hasMessageContaining("GHOST_CLUSTER_INSECURE=true");
    assertThat(ClusterTrust.load(cluster(null, true)).mode()).isEqualTo(ClusterTrust.Mode.INSECURE);
  }

  @Test
  void badSecretFilesAreRefusedWithoutShowingTheirContent() throws Exception {
    Path shortOne = Files.writeString(dir.resolve("short"), "tooshort-secret-value\n");
    assertThatThrownBy(() -> ClusterTrust.load(cluster(shortOne.toString(), false)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("at least 32")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("tooshort-secret-value"));
    assertThatThrownBy(() -> ClusterTrust.load(cluster(dir.resolve("missing").toString(), false)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read");
    Path huge = Files.write(dir.resolve("huge"), new byte[ClusterTrust.MAX_SECRET_BYTES + 1]);
    assertThatThrownBy(() -> ClusterTrust.load(cluster(huge.toString(), false)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("larger than");
    Path good = Files.writeString(dir.resolve("good"), SECRET + "\n");
    assertThatThrownBy(() -> ClusterTrust.load(cluster(good.toString(), true)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo("GHOST_CLUSTER_INSECURE"));
  }

  @Test
  void aTrailingNewlineDoesNotChangeTheSecret() throws Exception {
    Path a = Files.writeString(dir.resolve("a"), SECRET + "\n");
    Path b = Files.writeString(dir.resolve("b"), SECRET);
    ClusterTrust ta = ClusterTrust.load(cluster(a.toString(), false));
    ClusterTrust tb = ClusterTrust.load(cluster(b.toString(), false));
    assertThat(ta.secured()).isTrue();
    String mac = ta.mac(TrustChannel.SNAPSHOT, "snapshot", "n1", "{}");
    assertThat(tb.verify(TrustChannel.SNAPSHOT, "snapshot", "n1", "{}", mac)).isNull();
  }

  @Test
  void aMacVerifiesOnlyForTheSameSecretChannelKeySenderAndBody() {
    ClusterTrust t = trust(SECRET);
    String mac = t.mac(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"a\":1}");
    assertThat(t.verify(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"a\":1}", mac)).isNull();
    assertThat(t.verify(TrustChannel.FLEET_ENTRY, "snapshot", "n1", "{\"a\":1}", mac))
        .isEqualTo(TrustRefusal.BAD_MAC);
    assertThat(t.verify(TrustChannel.SNAPSHOT, "other", "n1", "{\"a\":1}", mac)).isEqualTo(TrustRefusal.BAD_MAC);
    assertThat(t.verify(TrustChannel.SNAPSHOT, "snapshot", "n2", "{\"a\":1}", mac)).isEqualTo(TrustRefusal.BAD_MAC);
    assertThat(t.verify(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"a\":2}", mac)).isEqualTo(TrustRefusal.BAD_MAC);
    assertThat(t.verify(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"a\":1}", null))
        .isEqualTo(TrustRefusal.UNSIGNED);
    assertThat(t.verify(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"a\":1}", "zz")).isEqualTo(TrustRefusal.BAD_MAC);
    ClusterTrust other = trust(SECRET.replace('0', '1'));
    assertThat(other.verify(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"a\":1}", mac))
        .isEqualTo(TrustRefusal.BAD_MAC);
    // length prefixes: moving bytes between fields changes the MAC
    assertThat(t.mac(TrustChannel.SNAPSHOT, "ab", "c", "")).isNotEqualTo(t.mac(TrustChannel.SNAPSHOT, "a", "bc", ""));
  }

  @Test
  void sealedValuesOpenOnlyWithTheSecretAndRefusalsAreCountedByChannelAndReason() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ClusterTrust t = trust(SECRET);
    t.countIn(new IngressMetrics(registry));
    String sealed = t.seal(TrustChannel.SNAPSHOT, "snapshot", "n1", "{\"cursor\":3}");
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", sealed)).isEqualTo("{\"cursor\":3}");
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", null)).isNull();

    String rogue = trust(SECRET.replace('a', 'b')).seal(TrustChannel.SNAPSHOT, "snapshot", "rogue", "{\"cursor\":9}");
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", rogue)).isNull();
    String unsigned = ClusterTrust.insecure().seal(TrustChannel.SNAPSHOT, "snapshot", "rogue", "{\"cursor\":9}");
    assertThat(new JsonObject(unsigned).containsKey("mac")).isFalse();
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", unsigned)).isNull();
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", "{\"cursor\":9}")).isNull();
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", "not json")).isNull();
    JsonObject tampered = new JsonObject(sealed).put("body", "{\"cursor\":4}");
    assertThat(t.open(TrustChannel.SNAPSHOT, "snapshot", tampered.encode())).isNull();

    assertThat(count(registry, "bad_mac")).isEqualTo(2);
    assertThat(count(registry, "unsigned")).isEqualTo(1);
    assertThat(count(registry, "malformed")).isEqualTo(2);
    // without a secret (insecure, standalone) everything opens
    assertThat(ClusterTrust.insecure().open(TrustChannel.SNAPSHOT, "snapshot", rogue)).isEqualTo("{\"cursor\":9}");
  }

  /**
   * A routing snapshot at 100 000 routes is one string of tens of megabytes: beyond the 20 million characters of
   * Jackson's default parser, which made followers refuse the leader's snapshot as malformed above ~46 000 routes.
   */
  @Test
  void aSnapshotBodyLargerThanJacksonsDefaultStringCapOpens() {
    ClusterTrust t = trust(SECRET);
    String body = "{\"routes\":\"" + "r".repeat(21_000_000) + "\"}";
    String sealed = t.seal(TrustChannel.SNAPSHOT, "snapshot", "n1", body);
    assertThat(t.unseal(TrustChannel.SNAPSHOT, "snapshot", sealed)).isEqualTo(new ClusterTrust.Opened(body, null, "n1"));
  }

  @Test
  void envelopesOfAnotherShapeAreMalformed() {
    ClusterTrust t = trust(SECRET);
    for (String bad : List.of("[]", "{\"body\":1}", "{\"body\":\"x\",\"from\":[\"n1\"]}", "{\"body\":\"x\"} {}",
        "{\"body\":\"x\"", "")) {
      assertThat(t.unseal(TrustChannel.SNAPSHOT, "snapshot", bad).refusal()).as(bad).isEqualTo(TrustRefusal.MALFORMED);
    }
    String withMore = new JsonObject(t.seal(TrustChannel.SNAPSHOT, "snapshot", "n1", "{}"))
        .put("later", new JsonObject().put("x", List.of(1, 2))).encode();
    assertThat(t.unseal(TrustChannel.SNAPSHOT, "snapshot", withMore).body()).as("fields a later version adds")
        .isEqualTo("{}");
  }

  @Test
  void busMessagesAreAdmittedOnlyWithTheSendersMacForTheirAddressAndBody() {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      ClusterTrust t = trust(SECRET);
      t.countIn(new IngressMetrics(registry));
      java.util.concurrent.LinkedBlockingQueue<Boolean> admitted = new java.util.concurrent.LinkedBlockingQueue<>();
      vertx.eventBus().<Object>consumer("ghost.admin.n1.drain-backend", m -> admitted.add(t.admit(m)))
          .completion().await();
      vertx.eventBus().<Object>consumer("ghost.admin.all.drain-backend", m -> admitted.add(t.admit(m)))
          .completion().await();
      JsonObject body = new JsonObject().put("backend", "[::1]:9443");
      var bus = vertx.eventBus();
      bus.send("ghost.admin.n1.drain-backend", body,
          t.sign(new io.vertx.core.eventbus.DeliveryOptions(), "ghost.admin.n1.drain-backend", "n2", body));
      bus.send("ghost.admin.n1.drain-backend", body);
      bus.send("ghost.admin.n1.drain-backend", body, trust(SECRET.replace('1', '2'))
          .sign(new io.vertx.core.eventbus.DeliveryOptions(), "ghost.admin.n1.drain-backend", "rogue", body));
      // a signed command replayed to another address, or with another body, does not verify
      bus.send("ghost.admin.all.drain-backend", body,
          t.sign(new io.vertx.core.eventbus.DeliveryOptions(), "ghost.admin.n1.drain-backend", "n2", body));
      bus.send("ghost.admin.n1.drain-backend", body.copy().put("backend", "[::1]:1"),
          t.sign(new io.vertx.core.eventbus.DeliveryOptions(), "ghost.admin.n1.drain-backend", "n2", body));
      List<Boolean> got = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        got.add(admitted.poll(10, java.util.concurrent.TimeUnit.SECONDS));
      }
      assertThat(got).containsExactlyInAnyOrder(true, false, false, false, false);
      var c = registry.find(MetricNames.CLUSTER_REFUSALS).tag("channel", "admin_command");
      assertThat(c.tag("reason", "unsigned").counter().count()).isEqualTo(1);
      assertThat(registry.find(MetricNames.CLUSTER_REFUSALS).tag("channel", "admin_command")
          .tag("reason", "bad_mac").counter().count()).isEqualTo(3);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    } finally {
      vertx.close().await();
    }
  }

  static double count(SimpleMeterRegistry registry, String reason) {
    var c = registry.find(MetricNames.CLUSTER_REFUSALS).tag("channel", "snapshot").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }
}
