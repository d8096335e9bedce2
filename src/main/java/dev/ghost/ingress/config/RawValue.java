package dev.ghost.ingress.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One configuration value before validation, and where it came from, so each error names its source: {@code file}
 * and {@code key} are what a {@link ConfigException} about it names (the config file and a dotted key, or
 * {@link ConfigException#ENVIRONMENT} and a variable, or {@link #DEFAULTS} and the setting's key).
 *
 * <p>The conversions return the typed value or throw the {@link ConfigException}. Environment values and defaults
 * are always strings and are never type-guessed; file values must have the right JSON type.
 *
 * @param value the value as parsed: a string, number, boolean, {@link JsonArray} or {@link JsonObject}
 * @param file  the config file as the operator named it, {@link ConfigException#ENVIRONMENT} or {@link #DEFAULTS}
 * @param key   the dotted key with array indexes, or the environment variable
 */
record RawValue(Object value, String file, String key) {

  /** The {@link #file} of a setting's built-in default. */
  static final String DEFAULTS = "built-in default";

  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

  /** The same place, another value: an item of this list or table. */
  RawValue item(Object itemValue, String itemKey) {
    return new RawValue(itemValue, file, itemKey);
  }

  String text() {
    if (value instanceof String s) {
      return s;
    }
    throw fail("expected a string, got " + describe(value));
  }

  String nonEmpty() {
    String s = text();
    if (s.isBlank()) {
      throw fail("must not be empty");
    }
    return s;
  }

  /** The value when it is one of {@code allowed}. */
  String oneOf(Set<String> allowed) {
    String s = text();
    if (!allowed.contains(s)) {
      throw fail("expected " + String.join("|", new TreeSet<>(allowed)) + ", got '" + s + "'");
    }
    return s;
  }

  long integer(long min, long max) {
    long n;
    if (value instanceof String s && isEnvOrDefault()) {
      String t = s.trim();
      if (!INTEGER.matcher(t).matches()) {
        throw fail("expected an integer, got '" + s + "'");
      }
      try {
        n = Long.parseLong(t); // decimal even with leading zeros: "0755" is 755, not octal
      } catch (NumberFormatException e) {
        throw fail("integer out of range, got '" + s + "'");
      }
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      n = ((Number) value).longValue();
    } else if (value instanceof BigInteger) {
      throw fail("integer out of range, got " + value);
    } else {
      throw fail("expected an integer, got " + describe(value));
    }
    if (n < min || n > max) {
      throw fail("must be " + (max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max)
          + ", got " + n);
    }
    return n;
  }

  /** A port written as {@code text} inside this value (a list item, one side of a range or mapping). */
  int port(String text, int min, String what) {
    if (!INTEGER.matcher(text).matches()) {
      throw fail(what + " is not a number in '" + value + "'");
    }
    long p;
    try {
      p = Long.parseLong(text);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < min || p > 65535) {
      throw fail(what + " must be " + min + "-65535 in '" + value + "'");
    }
    return (int) p;
  }

  boolean bool() {
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && isEnvOrDefault()) {
      String t = s.trim();
      if (t.equalsIgnoreCase("true")) {
        return true;
      }
      if (t.equalsIgnoreCase("false")) {
        return false;
      }
      throw fail("expected true|false, got '" + s + "'");
    }
    throw fail("expected true|false, got " + describe(value));
  }

  Duration duration(boolean zeroAllowed) {
    Duration d;
    if (value instanceof String s) {
      try {
        d = Durations.parse(isEnvOrDefault() ? s.trim() : s);
      } catch (IllegalArgumentException e) {
        throw fail(e.getMessage());
      }
    } else if (value instanceof Number n && (value instanceof Integer || value instanceof Long) && n.longValue() == 0) {
      d = Duration.ZERO; // a bare 0 is the only integer duration: no unit to guess
    } else {
      throw fail(Durations.GRAMMAR + " as a string (e.g. \"5s\"), got " + describe(value));
    }
    if (d.isZero() && !zeroAllowed) {
      throw fail("must be greater than 0");
    }
    return d;
  }

  HostPort hostPort() {
    try {
      return HostPort.parse(text());
    } catch (IllegalArgumentException e) {
      throw fail(e.getMessage());
    }
  }

  String ipv4() {
    String s = text();
    if (!IpLiterals.isIpv4(s)) {
      throw fail("expected an IPv4 address (a.b.c.d), got '" + s + "'");
    }
    return s;
  }

  /**
   * The items of a list setting. Environment (and default) values, and plain strings in a file, are
   * comma-separated; whitespace around items is ignored; an empty value is an empty list; an empty item is an
   * error. File arrays keep their items, keyed {@code key[i]}.
   */
  List<RawValue> items() {
    if (value instanceof JsonArray) {
      return fileArray();
    }
    String s = text();
    List<RawValue> out = new ArrayList<>();
    if (s.isBlank()) {
      return out;
    }
    String[] parts = s.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      String item = parts[i].trim();
      if (item.isEmpty()) {
        throw fail("empty item " + (i + 1) + " in list '" + s + "'");
      }
      out.add(item(item, key));
    }
    return out;
  }

  /** The items of an array in the file, each keyed {@code key[i]}. */
  List<RawValue> fileArray() {
    if (!(value instanceof JsonArray array)) {
      throw fail("expected an array, got " + describe(value));
    }
    List<RawValue> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      out.add(item(array.getValue(i), key + "[" + i + "]"));
    }
    return out;
  }

  /** The error about this value. */
  ConfigException fail(String reason) {
    return new ConfigException(file, key, reason);
  }

  private boolean isEnvOrDefault() {
    return file.equals(ConfigException.ENVIRONMENT) || file.equals(DEFAULTS);
  }

  /** A value's JSON type (and the value, when short), for an error that says what was found instead. */
  static String describe(Object v) {
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
