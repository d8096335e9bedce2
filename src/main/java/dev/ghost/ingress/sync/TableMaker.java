package dev.ghost.ingress.sync;

import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.route.PortPolicy;
import dev.ghost.ingress.route.RouteTable;

/**
 * Makes the route table of each state a node serves: derived from the last one it made when that one was made of
 * an ancestor of the state with the same configuration ({@link ControlPlaneState#deriveTable}: the cost of the
 * change), else built from scratch ({@link ControlPlaneState#toTable}: the first table, a config reload, an
 * adopted snapshot, a replay). Both give the same table. Calls are serialised (the sync's ordered worker tasks).
 */
final class TableMaker {

  private ControlPlaneState lastState;
  private IngressConfig lastConfig;
  private RouteTable lastTable;

  /** The table of {@code state} under {@code config}, carrying {@code version}. */
  synchronized RouteTable make(ControlPlaneState state, IngressConfig config, long version) {
    PortPolicy policy = PortPolicy.from(config.limits());
    RouteTable table = config == lastConfig ? state.deriveTable(version, policy, lastState, lastTable) : null;
    if (table == null) {
      table = state.toTable(version, policy, config.envs(), config.routes());
    }
    lastState = state;
    lastConfig = config;
    lastTable = table;
    return table;
  }
}
