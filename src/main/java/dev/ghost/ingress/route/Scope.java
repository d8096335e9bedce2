package dev.ghost.ingress.route;

/**
 * Where a route is reachable: the shared IPv6 listeners, or one environment's dedicated IPv4 address. Scope is the
 * first part of the conflict key (scope, port[, host]).
 *
 * @param envId the environment owning the IPv4 address; null for {@link #SHARED}
 */
public record Scope(String envId) {

  /** The shared IPv6 listeners, which serve every tenant by SNI. */
  public static final Scope SHARED = new Scope(null);

  /** The dedicated IPv4 scope of an environment. */
  public static Scope env(String envId) {
    if (envId == null) {
      throw new IllegalArgumentException("env scope needs an env id");
    }
    return new Scope(envId);
  }

  /** True for {@link #SHARED}. */
  public boolean isShared() {
    return envId == null;
  }

  /** {@code shared} or {@code env:<id>}, as listed on the admin API. */
  @Override
  public String toString() {
    return envId == null ? "shared" : "env:" + envId;
  }
}
