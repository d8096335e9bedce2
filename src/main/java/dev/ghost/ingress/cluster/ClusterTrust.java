package dev.ghost.ingress.cluster;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.observe.IngressMetrics;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node trusts in its cluster: the fleet's shared secret ({@code GHOST_CLUSTER_SECRET_FILE}) and what is
 * derived from it, or nothing at all (standalone, or clustered with the insecure development flag).
 *
 * <p>With a secret, everything a node acts on from the cluster carries an HMAC-SHA256 with a key derived from it:
 * the routing snapshot, the fleet entries and the membership proofs in Hazelcast maps ({@link #seal}/{@link #open})
 * and the admin commands on the event bus ({@link #sign}/{@link #admit}). The MAC covers canonical bytes: a domain
 * tag, then the channel, the map key or bus address, the sender's node id and the body, each length-prefixed, so a
 * value signed for one place never verifies in another. The event bus also runs mutual TLS with certificates bound
 * to the secret ({@link ClusterTls}). Without a secret ({@link Mode#NONE}, {@link Mode#INSECURE}) values carry no
 * MAC and every value is accepted: standalone there is nobody else, insecure is for a local development fleet.
 *
 * <p>A refused value is counted ({@code ghost_cluster_refusals_total{channel,reason}}) and logged once per channel,
 * reason and claimed sender ({@link ClusterRefusals}). Thread-safe: called from event loops and Hazelcast threads.
 * This class never touches Hazelcast, so a standalone node may load it.
 */
public final class ClusterTrust {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterTrust.class);

  /** Shortest accepted secret: 32 bytes, the HMAC-SHA256 key size (an {@code openssl rand -hex 32} line is 64). */
  public static final int MIN_SECRET_BYTES = 32;
  /** Longest accepted secret file: a larger one is most likely the wrong file. */
  public static final int MAX_SECRET_BYTES = 4096;
  /** Event-bus header: the sender's node id. */
  public static final String HEADER_FROM = "ghost-from";
  /** Event-bus header: the MAC, lowercase hex. */
  public static final String HEADER_MAC = "ghost-mac";

  private static final byte[] DOMAIN = "ghost-cluster-mac/1".getBytes(StandardCharsets.US_ASCII);
  private static final HexFormat HEX = HexFormat.of();

  /** How this node trusts its cluster. */
  public enum Mode {
    /** Standalone: the event bus is the node's own. */
    NONE,
    /** Clustered with the fleet's secret: TLS event bus, every value signed and verified. */
    SECRET,
    /** Clustered without a secret ({@code GHOST_CLUSTER_INSECURE}): nothing is authenticated. */
    INSECURE;

    /** As {@code /v1/status} shows it ({@code cluster.trust}). */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Mode mode;
  private final byte[] macKey;
  private final byte[] tlsKey;
  private volatile ClusterRefusals refusals = new ClusterRefusals(null);

  private ClusterTrust(Mode mode, byte[] secret) {
    this.mode = mode;
    this.macKey = secret == null ? null : hmac(secret, "ghost-cluster/mac/1".getBytes(StandardCharsets.US_ASCII));
    this.tlsKey = secret == null ? null : hmac(secret, "ghost-cluster/tls/1".getBytes(StandardCharsets.US_ASCII));
  }

  /** A standalone node's: nothing to verify. */
  public static ClusterTrust standalone() {
    return new ClusterTrust(Mode.NONE, null);
  }

  /** A clustered node without a secret (development only). */
  public static ClusterTrust insecure() {
    return new ClusterTrust(Mode.INSECURE, null);
  }

  /** A clustered node with {@code secret} (the file's bytes, trailing whitespace removed). */
  public static ClusterTrust ofSecret(byte[] secret) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("secret shorter than " + MIN_SECRET_BYTES + " bytes");
    }
    return new ClusterTrust(Mode.SECRET, secret);
  }

  /**
   * The trust of a clustered node: reads {@code cluster.secret_file} (a blocking read: call at start-up, never on an
   * event loop). Throws {@link ConfigException} naming the setting when there is no secret and the insecure flag is
   * off, when both are set, or when the file is unreadable, too short or too long. Never logs the secret.
   */
  public static ClusterTrust load(IngressConfig.Cluster cluster) {
    String file = cluster.secretFile();
    if (file != null && cluster.insecure()) {
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_INSECURE",
          "is true while GHOST_CLUSTER_SECRET_FILE is set; set only one of them");
    }
    if (file == null) {
      if (cluster.insecure()) {
        LOG.atWarn().addKeyValue("setting", "GHOST_CLUSTER_INSECURE")
            .log("CLUSTER IS INSECURE: no secret, no TLS, no MAC; anyone who reaches the cluster ports can drain, "
                + "reload, reroute and lead this fleet; for a local development fleet only");
        return insecure();
      }
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_SECRET_FILE",
          "a clustered node needs the fleet's shared secret: set it to a file of " + MIN_SECRET_BYTES + "-"
              + MAX_SECRET_BYTES + " bytes (e.g. `openssl rand -hex 32 > cluster.secret`), the same on every node;"
              + " or set GHOST_CLUSTER_INSECURE=true for a local development fleet only");
    }
    Path path = Path.of(file);
    byte[] raw;
    try {
      if (Files.size(path) > MAX_SECRET_BYTES) {
        throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_SECRET_FILE",
            "'" + file + "' is larger than " + MAX_SECRET_BYTES + " bytes: not a secret file");
      }
      raw = Files.readAllBytes(path);
    } catch (IOException e) {
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_SECRET_FILE",
          "cannot read '" + file + "' (" + e.getClass().getSimpleName() + ")");
    }
    int end = raw.length;
    while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r' || raw[end - 1] == ' ' || raw[end - 1] == '\t')) {
      end--; // an editor's or echo's trailing newline must not make two nodes' secrets differ
    }
    if (end < MIN_SECRET_BYTES) {
      throw new ConfigException(ConfigException.ENVIRONMENT, "GHOST_CLUSTER_SECRET_FILE",
          "'" + file + "' holds " + end + " bytes; a secret needs at least " + MIN_SECRET_BYTES
              + " (e.g. `openssl rand -hex 32`)");
    }
    warnIfOthersCanRead(path);
    byte[] secret = java.util.Arrays.copyOf(raw, end);
    java.util.Arrays.fill(raw, (byte) 0);
    ClusterTrust trust = new ClusterTrust(Mode.SECRET, secret);
    java.util.Arrays.fill(secret, (byte) 0);
    return trust;
  }

  private static void warnIfOthersCanRead(Path path) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
      if (perms.contains(PosixFilePermission.OTHERS_READ)) {
        LOG.atWarn().addKeyValue("file", path.toString())
            .log("cluster secret file is readable by every user of this machine; chmod 600 it");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no POSIX permissions to check
    }
  }

  /** Counts refusals in {@code metrics} from now on (before: logged only). */
  public void countIn(IngressMetrics metrics) {
    this.refusals = new ClusterRefusals(metrics);
  }

  public Mode mode() {
    return mode;
  }

  /** True with a secret: values are signed and verified, the event bus runs TLS. */
  public boolean secured() {
    return mode == Mode.SECRET;
  }

  /**
   * When {@link #secured()}: prepares the event bus's TLS on a thread of its own, concurrently with the join, so
   * that none of its one-time cost runs on an event loop ({@link ClusterTls#initServerContextClass}).
   */
  public void prepareTlsInBackground() {
    if (secured()) {
      Thread t = new Thread(ClusterTls::initServerContextClass, "ghost-tls-prepare");
      t.setDaemon(true);
      t.start();
    }
  }

  /** The key {@link ClusterTls} binds certificates with; null without a secret. */
  byte[] tlsKey() {
    return tlsKey;
  }

  // ---- MAC

  /** The MAC (lowercase hex) of one value; null without a secret. */
  public String mac(TrustChannel channel, String key, String from, String body) {
    byte[] b = utf8(body);
    return mac(channel, key, from, b, b.length);
  }

  /**
   * The MAC (lowercase hex) of a value whose body is the UTF-8 text {@code body[0..length)}: the same as
   * {@link #mac(TrustChannel, String, String, String)} of that text, computed over the bytes as they are (a base
   * snapshot's body is tens of MB: no copy of it is made); null without a secret.
   */
  String mac(TrustChannel channel, String key, String from, byte[] body, int length) {
    if (macKey == null) {
      return null;
    }
    return HEX.formatHex(streamedMac(channel, key, from, body, length));
  }

  /** Like {@link #verify(TrustChannel, String, String, String, String)} for a body held as UTF-8 bytes. */
  TrustRefusal verify(TrustChannel channel, String key, String from, byte[] body, int length, String mac) {
    return refusal(mac, () -> streamedMac(channel, key, from, body, length));
  }

  /**
   * The HMAC of a value's canonical bytes, fed field by field (the body last, as it is): the domain tag, then the
   * channel, key, sender and body, each prefixed by its length, so no two different values share them.
   */
  private byte[] streamedMac(TrustChannel channel, String key, String from, byte[] body, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
      mac.update(DOMAIN);
      for (byte[] f : new byte[][] {channel.label().getBytes(StandardCharsets.UTF_8), utf8(key), utf8(from)}) {
        mac.update(ByteBuffer.allocate(4).putInt(f.length).array());
        mac.update(f);
      }
      mac.update(ByteBuffer.allocate(4).putInt(length).array());
      mac.update(body, 0, length);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Null when {@code mac} proves the secret for this value (or there is no secret), else why not. */
  public TrustRefusal verify(TrustChannel channel, String key, String from, String body, String mac) {
    byte[] b = utf8(body);
    return verify(channel, key, from, b, b.length, mac);
  }

  /** Null when {@code mac} (hex) is the {@code expected} MAC, or there is no secret; else why not. */
  private TrustRefusal refusal(String mac, java.util.function.Supplier<byte[]> expected) {
    if (macKey == null) {
      return null;
    }
    if (mac == null) {
      return TrustRefusal.UNSIGNED;
    }
    byte[] given;
    try {
      given = HEX.parseHex(mac);
    } catch (IllegalArgumentException e) {
      return TrustRefusal.BAD_MAC;
    }
    return MessageDigest.isEqual(expected.get(), given) ? null : TrustRefusal.BAD_MAC;
  }

  /** Counts and (once per channel, reason and sender) logs a refusal. */
  public void refused(TrustChannel channel, TrustRefusal reason, String sender) {
    refusals.refused(channel, reason, sender);
  }

  private static byte[] utf8(String s) {
    return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  // ---- map values: {"v":1,"from":node id,"body":string,"mac":hex}

  /** A map value: {@code body} wrapped with its sender and MAC (no MAC without a secret). */
  public String seal(TrustChannel channel, String key, String from, String body) {
    JsonObject env = new JsonObject().put("v", 1).put("from", from).put("body", body);
    String mac = mac(channel, key, from, body);
    if (mac != null) {
      env.put("mac", mac);
    }
    return env.encode();
  }

  /**
   * What {@link #unseal} found: the body when it may be acted on, else the refusal (and the sender it claims).
   *
   * @param body    the body; null when absent or refused
   * @param refusal why it is refused; null when accepted or absent
   * @param from    the sender it claims (unproven when refused)
   */
  public record Opened(String body, TrustRefusal refusal, String from) {}

  /**
   * Checks a map value written by {@link #seal} without counting a refusal (for callers that re-read the same value
   * periodically and count it once). Without a secret any envelope is accepted.
   */
  public Opened unseal(TrustChannel channel, String key, String sealed) {
    if (sealed == null) {
      return new Opened(null, null, null);
    }
    Envelope env;
    try {
      env = Envelope.parse(sealed);
    } catch (IOException | RuntimeException e) {
      return new Opened(null, TrustRefusal.MALFORMED, null);
    }
    Object from = env.from();
    Object body = env.body();
    Object mac = env.mac();
    if (!(body instanceof String b) || (from != null && !(from instanceof String))
        || (mac != null && !(mac instanceof String))) {
      return new Opened(null, TrustRefusal.MALFORMED, from instanceof String f ? f : null);
    }
    TrustRefusal refusal = verify(channel, key, (String) from, b, (String) mac);
    return refusal == null ? new Opened(b, null, (String) from) : new Opened(null, refusal, (String) from);
  }

  /**
   * A map value's fields as read, each a {@code String}, null, or {@link #NOT_A_STRING}. Read with a parser of its own:
   * a routing snapshot travels as one string, tens of megabytes at 100 000 routes, beyond the 20 million characters
   * Jackson's default parser accepts in one string (a follower refused the leader's snapshot above about 46 000
   * routes). Callers bound the whole value's length before it gets here ({@code FleetLog}).
   */
  private record Envelope(Object from, Object body, Object mac) {

    static final Object NOT_A_STRING = new Object();
    private static final JsonFactory PARSERS = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
        .build();

    static Envelope parse(String sealed) throws IOException {
      try (JsonParser p = PARSERS.createParser(sealed)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw new JsonParseException(p, "not a JSON object");
        }
        Object from = null;
        Object body = null;
        Object mac = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken t = p.nextToken();
          Object value = t == JsonToken.VALUE_STRING ? p.getText() : t == JsonToken.VALUE_NULL ? null : NOT_A_STRING;
          p.skipChildren();
          switch (name) {
            case "from" -> from = value;
            case "body" -> body = value;
            case "mac" -> mac = value;
            default -> { } // "v", and fields a later version may add
          }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
          throw new JsonParseException(p, "not one JSON object");
        }
        return new Envelope(from, body, mac);
      }
    }
  }

  /**
   * The body of a map value written by {@link #seal}, or null when it is absent or refused (counted and logged; the
   * caller acts as if there were no value).
   */
  public String open(TrustChannel channel, String key, String sealed) {
    Opened o = unseal(channel, key, sealed);
    if (o.refusal() != null) {
      refused(channel, o.refusal(), o.from());
    }
    return o.body();
  }

  // ---- event bus: headers ghost-from and ghost-mac over (address, from, body)

  /** {@code options} with the sender and MAC headers of {@code body} sent to {@code address}. */
  public DeliveryOptions sign(DeliveryOptions options, String address, String from, JsonObject body) {
    String mac = mac(TrustChannel.ADMIN_COMMAND, address, from, bodyText(body));
    if (mac == null) {
      return options;
    }
    return options.addHeader(HEADER_FROM, from).addHeader(HEADER_MAC, mac);
  }

  /**
   * True when {@code m} may be acted on: no secret, or its MAC verifies for its address, sender and body. A refused
   * message is counted and logged; the caller fails it (if it expects a reply) and does nothing else.
   */
  public boolean admit(Message<?> m) {
    if (macKey == null) {
      return true;
    }
    String from = m.headers().get(HEADER_FROM);
    Object body = m.body();
    if (body != null && !(body instanceof JsonObject)) {
      refused(TrustChannel.ADMIN_COMMAND, TrustRefusal.MALFORMED, from);
      return false;
    }
    TrustRefusal refusal = verify(TrustChannel.ADMIN_COMMAND, m.address(), from, bodyText((JsonObject) body),
        m.headers().get(HEADER_MAC));
    if (refusal != null) {
      refused(TrustChannel.ADMIN_COMMAND, refusal, from);
      return false;
    }
    return true;
  }

  /** The signed form of a bus body: its JSON encoding (a received JSON object encodes to the bytes sent). */
  private static String bodyText(JsonObject body) {
    return body == null ? "" : body.encode();
  }
}
