package dev.ghost.ingress.proxy;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection ids: a random per-process prefix and a counter, so ids are unique across restarts and nodes in
 * practice, short, and free of any client data. The same id goes into the access log and the PROXY v2 UNIQUE_ID.
 */
public final class ConnectionIds {

  private final String prefix;
  private final AtomicLong next = new AtomicLong();

  public ConnectionIds() {
    this.prefix = String.format("%08x", new SecureRandom().nextInt());
  }

  public String next() {
    return prefix + '-' + Long.toHexString(next.incrementAndGet());
  }
}
