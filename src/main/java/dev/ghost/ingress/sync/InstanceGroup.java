package dev.ghost.ingress.sync;

/**
 * What one instances list answers (contract §2): the ready instances of one process type of one environment of one
 * app. Every route naming the same group shares one fetch, whatever the number of routes.
 *
 * @param appId       the app
 * @param envId       the environment
 * @param processType the process type backing the routes
 */
record InstanceGroup(String appId, String envId, String processType) {

  /** The group whose instances back {@code route}. */
  static InstanceGroup of(CpRoute route) {
    return new InstanceGroup(route.appId(), route.envId(), route.processType());
  }

  /** {@code app/env/process_type}, for logs. */
  @Override
  public String toString() {
    return appId + "/" + envId + "/" + processType;
  }
}
