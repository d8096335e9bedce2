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
    return format(nextSerial());
  }

  /** The next connection's number; {@link #format} makes its id, so a connection nobody asks the id of skips that. */
  public long nextSerial() {
    return next.incrementAndGet();
  }

  /** The id of the connection numbered {@code serial}. */
  public String format(long serial) {
    return prefix + '-' + Long.toHexString(serial);
  }
}
