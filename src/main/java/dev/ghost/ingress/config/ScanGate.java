package dev.ghost.ingress.config;

import java.util.Objects;

/**
 * The "two identical scans" rule of config hot reload (pure, not thread-safe): a scan result is acted on only when
 * the scan before it read the same, and it differs from the last result acted on. A file caught half-written reads
 * differently on the next scan and is never acted on; a steady bad file is reported once, not on every scan.
 *
 * @param <T> a scan result with value equality
 */
public final class ScanGate<T> {

  private T previous;
  private T settled;

  /**
   * Offers the latest scan.
   *
   * @return {@code scan} when it is to be acted on now, else null
   */
  public T offer(T scan) {
    Objects.requireNonNull(scan, "scan");
    boolean stable = scan.equals(previous);
    previous = scan;
    if (stable && !scan.equals(settled)) {
      settled = scan;
      return scan;
    }
    return null;
  }

  /** Records a result acted on outside the scans (an explicit reload), so the scans do not act on it again. */
  public void settle(T result) {
    Objects.requireNonNull(result, "result");
    previous = result;
    settled = result;
  }
}
