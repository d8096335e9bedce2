package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.IpLiterals;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One page of {@code GET .../instances} (contract §2): the ready instances' overlay IPv6 addresses, the ready
 * instances dropped for their address, and the cursor of the next page.
 *
 * <p>Per the contract: only {@code ready} instances receive new connections (also accepted: {@code READY} and the
 * protobuf enum name {@code INSTANCE_STATUS_READY}); {@code overlay_ipv6} "arrives with a prefix length
 * ({@code fd5a:1:2:1::7/128}): strip {@code /nn}. An item without it is skipped", and so is one whose address is
 * not an IPv6 literal; both are listed in {@link #dropped()} so the caller can log and count them. Addresses are
 * returned in RFC 5952 form (an IPv4-mapped one as {@code ::ffff:a.b.c.d}, as a static backend accepts it).
 * camelCase keys ({@code overlayIpv6}, {@code nextCursor}) are tolerated.
 *
 * @param readyIpv6  ready instances' addresses, unbracketed, in page order, without duplicates
 * @param dropped    ready instances skipped because their address is missing or not an IPv6 literal
 * @param nextCursor the cursor for the next page, or null when this was the last page
 */
public record InstancePage(List<String> readyIpv6, List<Dropped> dropped, String nextCursor) {

  /** Longest address text kept in a {@link Dropped}: it is logged, and the control plane's text is not ours. */
  static final int MAX_DROPPED_TEXT = 64;

  /** Copies the lists. */
  public InstancePage {
    readyIpv6 = List.copyOf(readyIpv6);
    dropped = List.copyOf(dropped);
  }

  /**
   * A ready instance that gets no connections because of its address.
   *
   * @param instanceId the item's {@code id} (at most {@value #MAX_DROPPED_TEXT} characters), or {@code ""}
   * @param address    the {@code overlay_ipv6} text as sent (at most {@value #MAX_DROPPED_TEXT} characters), or
   *                   {@code ""} when missing
   * @param reason     {@code missing_address} or {@code bad_address}: the metric label
   */
  public record Dropped(String instanceId, String address, String reason) {}

  /**
   * Parses a response body. A body that is not a page at all (no {@code items} array, a non-object item, a
   * {@code next_cursor} that is neither text, number nor null) throws {@link IllegalArgumentException}: the
   * caller treats it as a failed fetch and keeps the route's previous set (contract §2).
   */
  public static InstancePage parse(JsonObject body) {
    if (body == null) {
      throw new IllegalArgumentException("instances response is not a JSON object");
    }
    Object items = body.getValue("items");
    if (!(items instanceof JsonArray array)) {
      throw new IllegalArgumentException("instances response has no items array");
    }
    List<String> ready = new ArrayList<>();
    List<Dropped> dropped = new ArrayList<>();
    for (Object item : array) {
      if (!(item instanceof JsonObject instance)) {
        throw new IllegalArgumentException("instances item is not a JSON object");
      }
      if (!isReady(instance.getValue("status"))) {
        continue;
      }
      Object raw = first(instance, "overlay_ipv6", "overlayIpv6");
      String address = overlayAddress(raw);
      if (address == null) {
        dropped.add(new Dropped(clip(instance.getValue("id")), clip(raw),
            (raw == null ? InstanceDropReason.MISSING_ADDRESS : InstanceDropReason.BAD_ADDRESS).label()));
      } else if (!ready.contains(address)) {
        ready.add(address);
      }
    }
    return new InstancePage(ready, dropped, cursor(first(body, "next_cursor", "nextCursor")));
  }

  /** True when this was the last page. */
  public boolean isLast() {
    return nextCursor == null;
  }

  private static Object first(JsonObject json, String a, String b) {
    Object v = json.getValue(a);
    return v != null ? v : json.getValue(b);
  }

  private static String clip(Object raw) {
    String text = raw == null ? "" : String.valueOf(raw);
    return text.length() <= MAX_DROPPED_TEXT ? text : text.substring(0, MAX_DROPPED_TEXT);
  }

  private static boolean isReady(Object status) {
    if (!(status instanceof String s)) {
      return false;
    }
    String u = s.trim().toUpperCase(Locale.ROOT);
    return u.equals("READY") || u.equals("INSTANCE_STATUS_READY");
  }

  /** The address without its {@code /nn} suffix, canonical; null when missing or invalid. */
  static String overlayAddress(Object raw) {
    if (!(raw instanceof String s)) {
      return null;
    }
    String text = s.trim();
    int slash = text.indexOf('/');
    if (slash >= 0) {
      String len = text.substring(slash + 1);
      if (!len.matches("[0-9]{1,3}") || Integer.parseInt(len) > 128) {
        return null;
      }
      text = text.substring(0, slash);
    }
    return IpLiterals.canonicalIpv6(text);
  }

  private static String cursor(Object raw) {
    if (raw == null) {
      return null;
    }
    if (raw instanceof String s) {
      return s.isBlank() ? null : s;
    }
    if (raw instanceof Number n) {
      return n.toString();
    }
    throw new IllegalArgumentException("next_cursor is neither text nor null");
  }
}
