package dev.ghost.ingress.config;

/**
 * What a config reload reports, for whoever counts it (the node's metrics): {@code config} stays below the packages
 * that observe it.
 */
public interface ReloadEvents {

  /** A re-read file was applied; {@code trigger} is what asked ({@code scan}, {@code admin}, {@code signal}). */
  void applied(String trigger);

  /** A re-read file was refused for {@code reason}; the configuration in force stays. */
  void refused(ReloadFailure reason);

  /** Where the time of the last applied configuration can be read from, once the watcher runs. */
  void appliedAt(java.util.function.LongSupplier appliedAtMillis);
}
