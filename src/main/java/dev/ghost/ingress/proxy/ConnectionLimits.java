package dev.ghost.ingress.proxy;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Node-wide connection counts against the limits of the behaviour doc: global, per client IP and per route.
 * Shared by every listener instance; each acquire that succeeds is released exactly once.
 */
public final class ConnectionLimits {

  private final int maxGlobal;
  private final int maxPerIp;
  private final int defaultPerRoute;
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
    if (maxPerIp > 0) {
      AtomicInteger n = perIp.computeIfAbsent(client, k -> new AtomicInteger());
      if (n.incrementAndGet() > maxPerIp) {
        releaseIp(client, n);
        global.decrementAndGet();
        return CloseReason.LIMIT_CLIENT_IP;
      }
    }
    return null;
  }

  void releaseClient(InetAddress client) {
    global.decrementAndGet();
    if (maxPerIp > 0) {
      AtomicInteger n = perIp.get(client);
      if (n != null) {
        releaseIp(client, n);
      }
    }
  }

  private void releaseIp(InetAddress client, AtomicInteger n) {
    if (n.decrementAndGet() <= 0) {
      perIp.remove(client, n);
    }
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
