package dev.ghost.ingress.proxy;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Node-wide connection counts against the limits of docs/behaviour.md: global, per client IP and per route.
 * Shared by every listener instance; each acquire that succeeds is released exactly once. The caps can change at
 * runtime (config reload): open connections are never closed by a lower cap, new ones are checked against it.
 * Counts per IP are kept whether or not a per-IP cap is set, so a cap set later counts what is already open.
 */
public final class ConnectionLimits {

  private volatile int maxGlobal;
  private volatile int maxPerIp;
  private volatile int defaultPerRoute;
  private final AtomicInteger global = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> perRoute = new ConcurrentHashMap<>();

  /**
   * @param maxGlobal       node-wide cap, &gt; 0
   * @param maxPerIp        per client IP; 0 = unlimited
   * @param defaultPerRoute per route unless the route says otherwise; 0 = unlimited
   */
  public ConnectionLimits(int maxGlobal, int maxPerIp, int defaultPerRoute) {
    this.maxGlobal = maxGlobal;
    this.maxPerIp = maxPerIp;
    this.defaultPerRoute = defaultPerRoute;
  }

  /** Replaces the caps (same meaning as the constructor's); counts of open connections are kept. */
  public void update(int maxGlobal, int maxPerIp, int defaultPerRoute) {
    this.maxGlobal = maxGlobal;
    this.maxPerIp = maxPerIp;
    this.defaultPerRoute = defaultPerRoute;
  }

  /** The default global cap: most of the open-file limit, leaving room for two sockets per connection. */
  public static int fromOpenFileLimit(long openFileLimit) {
    long usable = Math.max(256, openFileLimit - 256) / 2;
    return (int) Math.min(Integer.MAX_VALUE, usable);
  }

  public int maxGlobal() {
    return maxGlobal;
  }

  public int open() {
    return global.get();
  }

  /** Takes a global and a per-IP slot; null when granted, else the reason to refuse. */
  CloseReason acquireClient(InetAddress client) {
    if (global.incrementAndGet() > maxGlobal) {
      global.decrementAndGet();
      return CloseReason.LIMIT_GLOBAL;
    }
    int capPerIp = maxPerIp;
    AtomicInteger n = perIp.compute(client, (k, v) -> {
      AtomicInteger c = v == null ? new AtomicInteger() : v;
      c.incrementAndGet();
      return c;
    });
    if (capPerIp > 0 && n.get() > capPerIp) {
      releaseIp(client);
      global.decrementAndGet();
      return CloseReason.LIMIT_CLIENT_IP;
    }
    return null;
  }

  void releaseClient(InetAddress client) {
    global.decrementAndGet();
    releaseIp(client);
  }

  private void releaseIp(InetAddress client) {
    // atomic against a concurrent acquire of the same IP: never drop an entry that was just incremented
    perIp.computeIfPresent(client, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
  }

  /** Takes a slot on the route; false when the route is full. */
  boolean acquireRoute(String routeId, int routeMax) {
    int max = routeMax > 0 ? routeMax : defaultPerRoute;
    AtomicInteger n = perRoute.computeIfAbsent(routeId, k -> new AtomicInteger());
    if (n.incrementAndGet() > max && max > 0) {
      n.decrementAndGet();
      return false;
    }
    return true;
  }

  void releaseRoute(String routeId) {
    AtomicInteger n = perRoute.get(routeId);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  /** Open connections on a route. */
  public int routeOpen(String routeId) {
    AtomicInteger n = perRoute.get(routeId);
    return n == null ? 0 : n.get();
  }
}
