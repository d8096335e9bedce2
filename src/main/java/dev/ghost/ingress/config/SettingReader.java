package dev.ghost.ingress.config;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads one {@link Settings} value, typed and validated: from the environment, else the file, else the default.
 * Not thread-safe; one instance per load.
 */
final class SettingReader {

  private final JsonObject config;
  private final Map<String, String> env;
  private final String source;

  /**
   * @param config the parsed config file (empty when there is none)
   * @param env    the environment
   * @param source the config file as the operator named it, for errors
   */
  SettingReader(JsonObject config, Map<String, String> env, String source) {
    this.config = config;
    this.env = env;
    this.source = source;
  }

  /** Where a setting's value comes from; null when nowhere (no default). */
  RawValue raw(Settings s) {
    String fromEnv = env.get(s.envVar());
    if (fromEnv != null) {
      return new RawValue(fromEnv, ConfigException.ENVIRONMENT, s.envVar());
    }
    JsonObject table = config.getJsonObject(s.table());
    Object fromFile = table == null ? null : table.getValue(s.shortKey());
    if (fromFile != null) {
      return new RawValue(fromFile, source, s.key());
    }
    return s.defaultValue() == null ? null : new RawValue(s.defaultValue(), RawValue.DEFAULTS, s.key());
  }

  /** A string; null when unset, and for an optional string also when empty. */
  String string(Settings s) {
    RawValue r = raw(s);
    if (r == null) {
      return null;
    }
    String v = r.text();
    if (v.isEmpty()) {
      if (s.defaultValue() == null) {
        return null; // empty means none for optional strings
      }
      throw r.fail("must not be empty");
    }
    return v;
  }

  String url(Settings s) {
    String v = string(s);
    if (v == null) {
      return null;
    }
    try {
      URI uri = new URI(v);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || uri.getHost() == null) {
        throw raw(s).fail("expected an http:// or https:// URL with a host, got '" + v + "'");
      }
    } catch (URISyntaxException e) {
      throw raw(s).fail("not a URL: '" + v + "'");
    }
    return v;
  }

  String logLevel(Settings s) {
    RawValue r = raw(s);
    String v = r.text().trim().toLowerCase(Locale.ROOT);
    if (!IngressConfig.Log.LEVELS.contains(v)) {
      throw r.fail("expected trace|debug|info|warn|error, got '" + r.value() + "'");
    }
    return v;
  }

  int integer(Settings s) {
    return (int) raw(s).integer(s.min(), s.max());
  }

  boolean bool(Settings s) {
    return raw(s).bool();
  }

  Duration duration(Settings s) {
    return raw(s).duration(s.type() == Settings.Type.DURATION_OR_ZERO);
  }

  HostPort hostPort(Settings s) {
    return raw(s).hostPort();
  }

  List<HostPort> hostPorts(Settings s) {
    List<HostPort> out = new ArrayList<>();
    for (RawValue item : items(s)) {
      out.add(item.hostPort());
    }
    return Collections.unmodifiableList(out);
  }

  /** Host names, lower case and without one trailing dot, as a {@code Host} header is compared with them. */
  List<String> hostNames(Settings s) {
    List<String> out = new ArrayList<>();
    for (RawValue item : items(s)) {
      String name = item.text().trim().toLowerCase(Locale.ROOT);
      name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
      if (name.isEmpty() || !name.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
        throw item.fail("expected a host name (letters, digits, dots, hyphens), got '" + item.text() + "'");
      }
      out.add(name);
    }
    return Collections.unmodifiableList(out);
  }

  /** Cluster member entries, each checked with {@link ClusterMember#parse} (host or host:port, IPv6 bracketed). */
  List<String> clusterMembers(Settings s) {
    List<String> out = new ArrayList<>();
    for (RawValue item : items(s)) {
      String text = item.text().trim();
      try {
        ClusterMember.parse(text, 0);
      } catch (IllegalArgumentException e) {
        throw item.fail(e.getMessage());
      }
      out.add(text);
    }
    return Collections.unmodifiableList(out);
  }

  /** {@code route_port=bind_port} items, or in a file a table {@code { 443 = 8443 }}. */
  Map<Integer, Integer> portMap(Settings s) {
    RawValue r = raw(s);
    Map<Integer, Integer> out = new LinkedHashMap<>();
    if (r.value() instanceof JsonObject table) {
      for (String routePort : table.fieldNames()) {
        RawValue item = r.item(table.getValue(routePort), r.key() + "." + routePort);
        putPort(out, item, routePort, String.valueOf(item.integer(0, 65535)));
      }
    } else {
      for (RawValue item : r.items()) {
        String text = item.text();
        int eq = text.indexOf('=');
        if (eq < 0) {
          throw item.fail("expected route_port=bind_port, got '" + text + "'");
        }
        putPort(out, item, text.substring(0, eq).trim(), text.substring(eq + 1).trim());
      }
    }
    return Collections.unmodifiableMap(out);
  }

  private static void putPort(Map<Integer, Integer> out, RawValue item, String routePort, String bindPort) {
    int route = item.port(routePort, 1, "route port");
    int bind = item.port(bindPort, 0, "bind port");
    if (out.putIfAbsent(route, bind) != null) {
      throw item.fail("route port " + route + " is mapped twice");
    }
  }

  /** Ports and inclusive ranges: {@code 23,25,137-139}; in a file also integers. */
  Set<Integer> portSet(Settings s) {
    Set<Integer> out = new TreeSet<>();
    for (RawValue item : items(s)) {
      if (item.value() instanceof Number) {
        out.add((int) item.integer(1, 65535));
        continue;
      }
      String text = item.text();
      int dash = text.indexOf('-');
      if (dash < 0) {
        out.add(item.port(text, 1, "port"));
      } else {
        int lo = item.port(text.substring(0, dash).trim(), 1, "range start");
        int hi = item.port(text.substring(dash + 1).trim(), 1, "range end");
        if (lo > hi) {
          throw item.fail("empty port range '" + text + "'");
        }
        for (int p = lo; p <= hi; p++) {
          out.add(p);
        }
      }
    }
    return Collections.unmodifiableSet(out);
  }

  private List<RawValue> items(Settings s) {
    RawValue r = raw(s);
    return r == null ? List.of() : r.items();
  }
}
