package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.proxy.CloseReason.CloseAction;
import dev.ghost.ingress.proxy.RelayEndings.Ending;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class RelayEndingsTest {

  static final IOException RESET = new IOException("Connection reset by peer");
  static final IOException OTHER = new IOException("No route to host");

  @Test
  void aResetBeforeAnyFinIsThatSidesCloseAndPassesTheAbortOn() {
    assertThat(RelayEndings.afterError(RESET, false, false, CloseReason.CLIENT_CLOSED))
        .isEqualTo(new Ending(CloseReason.CLIENT_CLOSED, CloseAction.RST));
    assertThat(RelayEndings.afterError(new IOException("Broken pipe"), false, true, CloseReason.BACKEND_CLOSED))
        .isEqualTo(new Ending(CloseReason.BACKEND_CLOSED, CloseAction.RST));
  }

  @Test
  void notConnectedAnyMoreIsAReset() {
    // Netty's native calls turn ENOTCONN (a reset socket read again) into this unchecked exception
    assertThat(RelayEndings.afterError(new java.nio.channels.NotYetConnectedException(), false, false,
        CloseReason.BACKEND_CLOSED))
        .isEqualTo(new RelayEndings.Ending(CloseReason.BACKEND_CLOSED, CloseReason.CloseAction.RST));
  }

  @Test
  void anErrorAfterThisSidesFinEndsNormally() {
    assertThat(RelayEndings.afterError(RESET, true, true, CloseReason.CLIENT_CLOSED))
        .isEqualTo(new Ending(CloseReason.COMPLETED, CloseAction.FIN));
    assertThat(RelayEndings.afterError(OTHER, true, false, CloseReason.BACKEND_CLOSED))
        .isEqualTo(new Ending(CloseReason.BACKEND_CLOSED, CloseAction.FIN));
  }

  @Test
  void anyOtherErrorIsAnIoErrorClosedWithRst() {
    assertThat(RelayEndings.afterError(OTHER, false, false, CloseReason.CLIENT_CLOSED))
        .isEqualTo(new Ending(CloseReason.IO_ERROR, CloseAction.RST));
    assertThat(RelayEndings.afterError(new IOException(), false, false, CloseReason.CLIENT_CLOSED))
        .isEqualTo(new Ending(CloseReason.IO_ERROR, CloseAction.RST));
  }

  @Test
  void aFinThatCannotBeForwardedEndsNothingEarlyOnceTheOtherSideFinished() {
    assertThat(RelayEndings.finNotForwarded(true)).isEqualTo(new Ending(CloseReason.COMPLETED, CloseAction.FIN));
    assertThat(RelayEndings.finNotForwarded(false)).isEqualTo(new Ending(CloseReason.IO_ERROR, CloseAction.RST));
  }
}
