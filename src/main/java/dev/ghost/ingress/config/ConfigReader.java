package dev.ghost.ingress.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One validation pass of a parsed config file plus the environment (see {@link ConfigLoader#fromJson}). Not
 * thread-safe, not reused: one instance per load.
 *
 * <p>Every value travels as a {@link Raw}: the value and where it came from (file and key, or
 * {@link ConfigException#ENVIRONMENT} and variable), so each error names its source. Environment values are
 * always strings and are never type-guessed; file values must have the right JSON type.
 */
final class ConfigReader {

  private static final Set<String> PROTOCOLS = Set.of("tls_passthrough", "tcp_raw");
  private static final Set<String> PROXY_PROTOCOLS = Set.of("off", "v2");
  private static final Set<String> TLVS = Set.of("authority", "unique_id", "crc32c");
  private static final Set<String> ENV_KEYS = Set.of("id", "ipv4");
  private static final Set<String> ROUTE_KEYS = Set.of("id", "hostname", "port", "protocol", "proxy_protocol",
      "proxy_protocol_tlvs", "backends", "env", "allow_non_tls", "idle_timeout", "drain_timeout", "max_connections");
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
  private static final String DEFAULTS = "built-in default";

  /** A value and its origin: {@code file} and {@code key} are what an error about it names. */
  private record Raw(Object value, String file, String key) {}

  private final JsonObject config;
  private final Map<String, String> env;
  private final String source;
  private final Supplier<String> hostName;

  ConfigReader(JsonObject config, Map<String, String> env, String source, Supplier<String> hostName) {
    this.config = config;
    this.env = env;
    this.source = source;
    this.hostName = hostName;
  }

  IngressConfig read() {
    checkStructure();
    IngressConfig.Listen listen = new IngressConfig.Listen(
        hostPorts(Settings.LISTEN_IPV6), hostPorts(Settings.LISTEN_IPV4), portMap(Settings.PORT_MAP));
    IngressConfig.Admin admin = new IngressConfig.Admin(hostPort(Settings.ADMIN_ADDR), string(Settings.ADMIN_TOKEN),
        hostNames(Settings.ADMIN_ALLOWED_HOSTS));
    IngressConfig.Log log = new IngressConfig.Log(logLevel(Settings.LOG_LEVEL), bool(Settings.ACCESS_LOG));
    IngressConfig.Proxy proxy = new IngressConfig.Proxy(
        duration(Settings.SNIFF_TIMEOUT),
        integer(Settings.MAX_SNIFF_BYTES),
        duration(Settings.CONNECT_TIMEOUT),
        integer(Settings.CONNECT_ATTEMPTS),
        duration(Settings.IDLE_TIMEOUT),
        duration(Settings.DRAIN_TIMEOUT),
        duration(Settings.SHUTDOWN_TIMEOUT),
        bool(Settings.TCP_KEEPALIVE),
        duration(Settings.EJECT_BASE),
        duration(Settings.EJECT_MAX),
        integer(Settings.EVENT_LOOPS),
        bool(Settings.NATIVE_TRANSPORT));
    if (proxy.ejectMax().compareTo(proxy.ejectBase()) < 0) {
      throw fail(raw(Settings.EJECT_MAX), "must be at least " + Settings.EJECT_BASE.key() + " ("
          + Durations.format(proxy.ejectBase()) + "), got " + Durations.format(proxy.ejectMax()));
    }
    IngressConfig.Limits limits = new IngressConfig.Limits(
        integer(Settings.MAX_CONNECTIONS),
        integer(Settings.MAX_CONNECTIONS_PER_IP),
        integer(Settings.MAX_CONNECTIONS_PER_ROUTE),
        portSet(Settings.TCP_RAW_DENY_PORTS),
        portSet(Settings.TCP_RAW_ALLOW_PORTS));
    IngressConfig.Health health = new IngressConfig.Health(
        duration(Settings.HEALTH_INTERVAL),
        duration(Settings.HEALTH_TIMEOUT),
        integer(Settings.HEALTH_RISE),
        integer(Settings.HEALTH_FALL),
        bool(Settings.HEALTH_ENABLED));
    IngressConfig.ControlPlane controlPlane = new IngressConfig.ControlPlane(
        url(Settings.CONTROL_PLANE_URL),
        string(Settings.API_TOKEN),
        string(Settings.ORG_ID),
        duration(Settings.SYNC_POLL_INTERVAL),
        bool(Settings.SYNC_STREAM),
        duration(Settings.BACKEND_SYNC_INTERVAL),
        duration(Settings.SYNC_REBUILD_INTERVAL),
        duration(Settings.SYNC_REQUEST_TIMEOUT),
        integer(Settings.SYNC_MAX_IN_FLIGHT),
        integer(Settings.SYNC_MAX_ROUTES));
    IngressConfig.State state = new IngressConfig.State(string(Settings.STATE_FILE));
    IngressConfig.Cluster cluster = new IngressConfig.Cluster(
        clusterMembers(Settings.CLUSTER_MEMBERS),
        string(Settings.CLUSTER_HOST),
        integer(Settings.CLUSTER_PORT),
        string(Settings.CLUSTER_NAME),
        integer(Settings.EVENTBUS_PORT),
        string(Settings.CLUSTER_SECRET_FILE),
        bool(Settings.CLUSTER_INSECURE));
    List<EnvSpec> envs = envs();
    List<RouteSpec> routes = routes(envs);
    IngressConfig.Reload reload = new IngressConfig.Reload(duration(Settings.CONFIG_SCAN_PERIOD));
    return new IngressConfig(listen, admin, log, proxy, limits, health, controlPlane, state, cluster, nodeId(),
        envs, routes, reload);
  }

  // ---- structure: unknown keys and wrong shapes, before any value ----

  private void checkStructure() {
    Set<String> tables = Settings.tables();
    for (String key : config.fieldNames()) {
      Object value = config.getValue(key);
      if (key.equals("env") || key.equals("route")) {
        if (!(value instanceof JsonArray)) {
          throw new ConfigException(source, key, "expected an array of tables ([[" + key + "]]), got "
              + describe(value));
        }
      } else if (tables.contains(key)) {
        if (!(value instanceof JsonObject)) {
          throw new ConfigException(source, key, "expected a table ([" + key + "]), got " + describe(value));
        }
      } else {
        throw new ConfigException(source, key, "unknown key (known tables: " + String.join(", ", tables)
            + ", env, route)");
      }
    }
    for (String table : tables) {
      JsonObject t = config.getJsonObject(table);
      if (t == null) {
        continue;
      }
      Set<String> known = new TreeSet<>();
      for (Settings s : Settings.values()) {
        if (s.table().equals(table)) {
          known.add(s.shortKey());
        }
      }
      for (String key : t.fieldNames()) {
        if (!known.contains(key)) {
          throw new ConfigException(source, table + "." + key, "unknown key (known in [" + table + "]: "
              + String.join(", ", known) + ")");
        }
      }
    }
  }

  // ---- settings: environment, then file, then default ----

  /** Where a setting's value comes from; null when nowhere (no default). */
  private Raw raw(Settings s) {
    String fromEnv = env.get(s.envVar());
    if (fromEnv != null) {
      return new Raw(fromEnv, ConfigException.ENVIRONMENT, s.envVar());
    }
    JsonObject table = config.getJsonObject(s.table());
    Object fromFile = table == null ? null : table.getValue(s.shortKey());
    if (fromFile != null) {
      return new Raw(fromFile, source, s.key());
    }
    return s.defaultValue() == null ? null : new Raw(s.defaultValue(), DEFAULTS, s.key());
  }

  private String string(Settings s) {
    Raw r = raw(s);
    if (r == null) {
      return null;
    }
    String v = text(r);
    if (v.isEmpty()) {
      if (s.defaultValue() == null) {
        return null; // empty means none for optional strings
      }
      throw fail(r, "must not be empty");
    }
    return v;
  }

  private String url(Settings s) {
    String v = string(s);
    if (v == null) {
      return null;
    }
    try {
      URI uri = new URI(v);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null) {
        throw fail(raw(s), "expected an http:// or https:// URL with a host, got '" + v + "'");
      }
    } catch (URISyntaxException e) {
      throw fail(raw(s), "not a URL: '" + v + "'");
    }
    return v;
  }

  private String logLevel(Settings s) {
    Raw r = raw(s);
    String v = text(r).trim().toLowerCase(Locale.ROOT);
    if (!IngressConfig.Log.LEVELS.contains(v)) {
      throw fail(r, "expected trace|debug|info|warn|error, got '" + r.value() + "'");
    }
    return v;
  }

  private int integer(Settings s) {
    return (int) integer(raw(s), s.min(), s.max());
  }

  private boolean bool(Settings s) {
    return bool(raw(s));
  }

  private Duration duration(Settings s) {
    return duration(raw(s), s.type() == Settings.Type.DURATION_OR_ZERO);
  }

  private HostPort hostPort(Settings s) {
    return hostPort(raw(s));
  }

  private List<HostPort> hostPorts(Settings s) {
    List<HostPort> out = new ArrayList<>();
    for (Raw item : items(raw(s))) {
      out.add(hostPort(item));
    }
    return Collections.unmodifiableList(out);
  }

  private List<String> strings(Settings s) {
    List<String> out = new ArrayList<>();
    for (Raw item : items(raw(s))) {
      out.add(text(item));
    }
    return Collections.unmodifiableList(out);
  }

  /** Host names, lower case and without one trailing dot, as a {@code Host} header is compared with them. */
  private List<String> hostNames(Settings s) {
    List<String> out = new ArrayList<>();
    for (Raw item : items(raw(s))) {
      String name = text(item).trim().toLowerCase(java.util.Locale.ROOT);
      name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      if (name.isEmpty() || !name.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
        throw fail(item, "expected a host name (letters, digits, dots, hyphens), got '" + text(item) + "'");
      }
      out.add(name);
    }
    return Collections.unmodifiableList(out);
  }

  /** Cluster member entries, each checked with {@link ClusterMember#parse} (host or host:port, IPv6 bracketed). */
  private List<String> clusterMembers(Settings s) {
    List<String> out = new ArrayList<>();
    for (Raw item : items(raw(s))) {
      String text = text(item).trim();
      try {
        ClusterMember.parse(text, 0);
      } catch (IllegalArgumentException e) {
        throw fail(item, e.getMessage());
      }
      out.add(text);
    }
    return Collections.unmodifiableList(out);
  }

  /** {@code route_port=bind_port} items, or in a file a table {@code { 443 = 8443 }}. */
  private Map<Integer, Integer> portMap(Settings s) {
    Raw r = raw(s);
    Map<Integer, Integer> out = new LinkedHashMap<>();
    if (r.value() instanceof JsonObject table) {
      for (String routePort : table.fieldNames()) {
        Raw item = new Raw(table.getValue(routePort), r.file(), r.key() + "." + routePort);
        putPort(out, item, routePort, String.valueOf(integer(item, 0, 65535)));
      }
    } else {
      for (Raw item : items(r)) {
        String text = text(item);
        int eq = text.indexOf('=');
        if (eq < 0) {
          throw fail(item, "expected route_port=bind_port, got '" + text + "'");
        }
        putPort(out, item, text.substring(0, eq).trim(), text.substring(eq + 1).trim());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private void putPort(Map<Integer, Integer> out, Raw item, String routePort, String bindPort) {
    int route = port(item, routePort, 1, "route port");
    int bind = port(item, bindPort, 0, "bind port");
    if (out.putIfAbsent(route, bind) != null) {
      throw fail(item, "route port " + route + " is mapped twice");
    }
  }

  /** Ports and inclusive ranges: {@code 23,25,137-139}; in a file also integers. */
  private Set<Integer> portSet(Settings s) {
    Set<Integer> out = new TreeSet<>();
    for (Raw item : items(raw(s))) {
      if (item.value() instanceof Number) {
        out.add((int) integer(item, 1, 65535));
        continue;
      }
      String text = text(item);
      int dash = text.indexOf('-');
      if (dash < 0) {
        out.add(port(item, text, 1, "port"));
      } else {
        int lo = port(item, text.substring(0, dash).trim(), 1, "range start");
        int hi = port(item, text.substring(dash + 1).trim(), 1, "range end");
        if (lo > hi) {
          throw fail(item, "empty port range '" + text + "'");
        }
        for (int p = lo; p <= hi; p++) {
          out.add(p);
        }
      }
    }
    return Collections.unmodifiableSet(out);
  }

  private String nodeId() {
    String id = string(Settings.NODE_ID);
    if (id != null) {
      return id;
    }
    String fromHost = env.get("HOSTNAME");
    if (fromHost != null && !fromHost.isBlank()) {
      return fromHost.trim();
    }
    return hostName.get();
  }

  // ---- [[env]] and [[route]] ----

  private List<EnvSpec> envs() {
    JsonArray array = config.getJsonArray("env");
    List<EnvSpec> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String prefix = "env[" + i + "]";
      JsonObject e = table(array.getValue(i), prefix);
      checkKeys(e, prefix, ENV_KEYS);
      Raw idRaw = field(e, prefix, "id");
      if (idRaw == null) {
        throw new ConfigException(source, prefix + ".id", "required");
      }
      String id = nonEmpty(idRaw);
      if (!ids.add(id)) {
        throw fail(idRaw, "duplicate env id '" + id + "'");
      }
      Raw ipv4Raw = field(e, prefix, "ipv4");
      String ipv4 = ipv4Raw == null ? null : ipv4(ipv4Raw);
      out.add(new EnvSpec(id, ipv4));
    }
    return Collections.unmodifiableList(out);
  }

  private List<RouteSpec> routes(List<EnvSpec> envs) {
    JsonArray array = config.getJsonArray("route");
    List<RouteSpec> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    Set<String> envIds = new HashSet<>();
    envs.forEach(e -> envIds.add(e.id()));
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      String prefix = "route[" + i + "]";
      RouteSpec route = route(table(array.getValue(i), prefix), prefix, i, envIds);
      if (!ids.add(route.id())) {
        Raw idRaw = field(array.getJsonObject(i), prefix, "id");
        throw idRaw != null ? fail(idRaw, "duplicate route id '" + route.id() + "'")
            : new ConfigException(source, prefix, "default id '" + route.id() + "' is taken by another route");
      }
      out.add(route);
    }
    return Collections.unmodifiableList(out);
  }

  private RouteSpec route(JsonObject r, String prefix, int index, Set<String> envIds) {
    checkKeys(r, prefix, ROUTE_KEYS);
    Raw idRaw = field(r, prefix, "id");
    String id = idRaw == null ? Integer.toString(index) : nonEmpty(idRaw);

    String protocol = oneOf(field(r, prefix, "protocol"), "tls_passthrough", PROTOCOLS);
    Raw hostRaw = field(r, prefix, "hostname");
    String hostname = null;
    if (protocol.equals("tls_passthrough")) {
      if (hostRaw == null) {
        throw new ConfigException(source, prefix + ".hostname", "required for protocol tls_passthrough");
      }
      hostname = nonEmpty(hostRaw);
    } else if (hostRaw != null) {
      text(hostRaw); // ignored for tcp_raw, but still a string
    }

    Raw portRaw = field(r, prefix, "port");
    if (portRaw == null) {
      throw new ConfigException(source, prefix + ".port", "required");
    }
    int port = (int) integer(portRaw, 1, 65535);

    Raw ppRaw = field(r, prefix, "proxy_protocol");
    String proxyProtocol = oneOf(ppRaw, "off", PROXY_PROTOCOLS);
    List<String> tlvs = new ArrayList<>();
    Raw tlvRaw = field(r, prefix, "proxy_protocol_tlvs");
    if (tlvRaw != null) {
      for (Raw item : fileArray(tlvRaw)) {
        String tlv = oneOf(item, null, TLVS);
        if (tlvs.contains(tlv)) {
          throw fail(item, "duplicate TLV '" + tlv + "'");
        }
        tlvs.add(tlv);
      }
      if (!tlvs.isEmpty() && !proxyProtocol.equals("v2")) {
        throw fail(tlvRaw, "needs proxy_protocol = \"v2\"");
      }
    }

    Raw backendsRaw = field(r, prefix, "backends");
    if (backendsRaw == null) {
      throw new ConfigException(source, prefix + ".backends", "required: a non-empty list of host:port");
    }
    List<HostPort> backends = new ArrayList<>();
    for (Raw item : fileArray(backendsRaw)) {
      HostPort backend = hostPort(item);
      if (backend.port() == 0) {
        throw fail(item, "backend port must be 1-65535, got '" + item.value() + "'");
      }
      backends.add(backend);
    }
    if (backends.isEmpty()) {
      throw fail(backendsRaw, "must not be empty");
    }

    Raw envRaw = field(r, prefix, "env");
    String env = envRaw == null ? null : nonEmpty(envRaw);
    if (env != null && !envIds.contains(env)) {
      throw fail(envRaw, "no [[env]] with id '" + env + "'");
    }
    Raw allowRaw = field(r, prefix, "allow_non_tls");
    boolean allowNonTls = allowRaw != null && bool(allowRaw);
    Raw idleRaw = field(r, prefix, "idle_timeout");
    Raw drainRaw = field(r, prefix, "drain_timeout");
    Raw maxRaw = field(r, prefix, "max_connections");
    return new RouteSpec(id, hostname, port, protocol, proxyProtocol, Collections.unmodifiableList(tlvs),
        Collections.unmodifiableList(backends), env, allowNonTls,
        idleRaw == null ? null : duration(idleRaw, true),
        drainRaw == null ? null : duration(drainRaw, true),
        maxRaw == null ? null : (int) integer(maxRaw, 0, Integer.MAX_VALUE));
  }

  private JsonObject table(Object value, String key) {
    if (value instanceof JsonObject t) {
      return t;
    }
    throw new ConfigException(source, key, "expected a table, got " + describe(value));
  }

  private void checkKeys(JsonObject t, String prefix, Set<String> known) {
    for (String key : t.fieldNames()) {
      if (!known.contains(key)) {
        throw new ConfigException(source, prefix + "." + key, "unknown key (known: "
            + String.join(", ", new TreeSet<>(known)) + ")");
      }
    }
  }

  private Raw field(JsonObject t, String prefix, String key) {
    Object v = t.getValue(key);
    return v == null ? null : new Raw(v, source, prefix + "." + key);
  }

  // ---- conversions of one raw value ----

  private String text(Raw r) {
    if (r.value() instanceof String s) {
      return s;
    }
    throw fail(r, "expected a string, got " + describe(r.value()));
  }

  private String nonEmpty(Raw r) {
    String s = text(r);
    if (s.isBlank()) {
      throw fail(r, "must not be empty");
    }
    return s;
  }

  private String oneOf(Raw r, String defaultValue, Set<String> allowed) {
    if (r == null) {
      return defaultValue;
    }
    String s = text(r);
    if (!allowed.contains(s)) {
      throw fail(r, "expected " + String.join("|", new TreeSet<>(allowed)) + ", got '" + s + "'");
    }
    return s;
  }

  private long integer(Raw r, long min, long max) {
    Object v = r.value();
    long n;
    if (v instanceof String s && isEnvOrDefault(r)) {
      String t = s.trim();
      if (!INTEGER.matcher(t).matches()) {
        throw fail(r, "expected an integer, got '" + s + "'");
      }
      try {
        n = Long.parseLong(t); // decimal even with leading zeros: "0755" is 755, not octal
      } catch (NumberFormatException e) {
        throw fail(r, "integer out of range, got '" + s + "'");
      }
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      n = ((Number) v).longValue();
    } else if (v instanceof BigInteger) {
      throw fail(r, "integer out of range, got " + v);
    } else {
      throw fail(r, "expected an integer, got " + describe(v));
    }
    if (n < min || n > max) {
      throw fail(r, "must be " + (max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max)
          + ", got " + n);
    }
    return n;
  }

  private int port(Raw item, String text, int min, String what) {
    if (!INTEGER.matcher(text).matches()) {
      throw fail(item, what + " is not a number in '" + item.value() + "'");
    }
    long p;
    try {
      p = Long.parseLong(text);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < min || p > 65535) {
      throw fail(item, what + " must be " + min + "-65535 in '" + item.value() + "'");
    }
    return (int) p;
  }

  private boolean bool(Raw r) {
    Object v = r.value();
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && isEnvOrDefault(r)) {
      String t = s.trim();
      if (t.equalsIgnoreCase("true")) {
        return true;
      }
      if (t.equalsIgnoreCase("false")) {
        return false;
      }
      throw fail(r, "expected true|false, got '" + s + "'");
    }
    throw fail(r, "expected true|false, got " + describe(v));
  }

  private Duration duration(Raw r, boolean zeroAllowed) {
    Object v = r.value();
    Duration d;
    if (v instanceof String s) {
      try {
        d = Durations.parse(isEnvOrDefault(r) ? s.trim() : s);
      } catch (IllegalArgumentException e) {
        throw fail(r, e.getMessage());
      }
    } else if (v instanceof Number n && (v instanceof Integer || v instanceof Long) && n.longValue() == 0) {
      d = Duration.ZERO; // a bare 0 is the only integer duration: no unit to guess
    } else {
      throw fail(r, Durations.GRAMMAR + " as a string (e.g. \"5s\"), got " + describe(v));
    }
    if (d.isZero() && !zeroAllowed) {
      throw fail(r, "must be greater than 0");
    }
    return d;
  }

  private HostPort hostPort(Raw r) {
    try {
      return HostPort.parse(text(r));
    } catch (IllegalArgumentException e) {
      throw fail(r, e.getMessage());
    }
  }

  private String ipv4(Raw r) {
    String s = text(r);
    if (!IpLiterals.isIpv4(s)) {
      throw fail(r, "expected an IPv4 address (a.b.c.d), got '" + s + "'");
    }
    return s;
  }

  /**
   * The items of a list setting. Environment (and default) values, and plain strings in a file, are
   * comma-separated; whitespace around items is ignored; an empty value is an empty list; an empty item is an
   * error. File arrays keep their items, keyed {@code key[i]}.
   */
  private List<Raw> items(Raw r) {
    if (r == null) {
      return List.of();
    }
    if (r.value() instanceof JsonArray) {
      return fileArray(r);
    }
    String s = text(r);
    List<Raw> out = new ArrayList<>();
    if (s.isBlank()) {
      return out;
    }
    String[] parts = s.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      String item = parts[i].trim();
      if (item.isEmpty()) {
        throw fail(r, "empty item " + (i + 1) + " in list '" + s + "'");
      }
      out.add(new Raw(item, r.file(), r.key()));
    }
    return out;
  }

  private List<Raw> fileArray(Raw r) {
    if (!(r.value() instanceof JsonArray array)) {
      throw fail(r, "expected an array, got " + describe(r.value()));
    }
    List<Raw> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      out.add(new Raw(array.getValue(i), r.file(), r.key() + "[" + i + "]"));
    }
    return out;
  }

  private static boolean isEnvOrDefault(Raw r) {
    return r.file().equals(ConfigException.ENVIRONMENT) || r.file().equals(DEFAULTS);
  }

  private static ConfigException fail(Raw r, String reason) {
    return new ConfigException(r.file(), r.key(), reason);
  }

  private static String describe(Object v) {
    if (v == null) {
      return "nothing";
    }
    if (v instanceof String s) {
      return "string '" + s + "'";
    }
    if (v instanceof Boolean b) {
      return "boolean " + b;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
      return "integer " + v;
    }
    if (v instanceof Number n) {
      return "number " + n;
    }
    if (v instanceof JsonArray) {
      return "an array";
    }
    if (v instanceof JsonObject) {
      return "a table";
    }
    return v.getClass().getSimpleName();
  }
}
