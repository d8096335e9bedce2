package dev.ghost.ingress.proxy;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;

/** The {@code kind} label of a failed backend dial, as the connect-failure counter names it. */
final class ConnectFailureKind {

  private ConnectFailureKind() {}

  /** {@code timeout}, {@code refused} (the backend answered with RST) or {@code error} (anything else). */
  static String of(Throwable cause) {
    if (cause instanceof ConnectTimeoutException) {
      return "timeout";
    }
    return cause instanceof ConnectException ? "refused" : "error";
  }
}
