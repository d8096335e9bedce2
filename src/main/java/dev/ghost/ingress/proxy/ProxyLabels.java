package dev.ghost.ingress.proxy;

import dev.ghost.ingress.observe.IngressMetrics;
import java.util.Arrays;
import java.util.List;

/** The data path's closed label lists, registered at 0 so every value shows on {@code /metrics} from start. */
public final class ProxyLabels {

  private ProxyLabels() {}

  /** Close reasons (on the unrouted series), sniff outcomes and relay kinds. */
  public static void register(IngressMetrics metrics) {
    metrics.closeReasons(Arrays.stream(CloseReason.values()).map(CloseReason::label).toList());
    metrics.sniffOutcomes(SniRouting.OUTCOMES);
    metrics.relayKinds(List.of(SpliceRelay.KIND, NettyRelay.KIND));
  }
}
