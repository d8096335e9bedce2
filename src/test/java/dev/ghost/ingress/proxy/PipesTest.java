package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The splice relay's pipe pool, on real kernel pipes: reuse, its bound, and what discarding and closing release. */
class PipesTest {

  @BeforeAll
  static void nativeTransport() {
    // the pipe calls live in Netty's native library
    Epoll.ensureAvailability();
  }

  @Test
  void aReturnedPipeIsTakenAgainAndCarriesBytes() throws IOException {
    Pipes pipes = new Pipes(4);
    Pipes.Pipe p = pipes.take();
    pipes.give(p);
    assertThat(pipes.idleCount()).isEqualTo(1);
    Pipes.Pipe again = pipes.take();
    assertThat(again).isSameAs(p);
    assertThat(pipes.idleCount()).isZero();

    ByteBuffer out = ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip();
    assertThat(again.in().write(out, 0, 3)).isEqualTo(3);
    ByteBuffer back = ByteBuffer.allocateDirect(3);
    assertThat(again.out().read(back, 0, 3)).isEqualTo(3);
    assertThat(new byte[] {back.get(0), back.get(1), back.get(2)}).containsExactly(1, 2, 3);
    pipes.close();
    again.close();
  }

  @Test
  void pastItsBoundAReturnedPipeIsClosed() throws IOException {
    Pipes pipes = new Pipes(1);
    Pipes.Pipe kept = pipes.take();
    Pipes.Pipe extra = pipes.take();
    pipes.give(kept);
    pipes.give(extra);
    assertThat(pipes.idleCount()).isEqualTo(1);
    assertThat(kept.in().isOpen()).isTrue();
    assertThat(extra.in().isOpen()).isFalse();
    assertThat(extra.out().isOpen()).isFalse();
    pipes.close();
  }

  @Test
  void aDiscardedPipeIsClosedAndClosingThePoolClosesWhatItHolds() throws IOException {
    Pipes pipes = new Pipes(4);
    Pipes.Pipe discarded = pipes.take();
    Pipes.Pipe idle = pipes.take();
    pipes.discard(discarded);
    pipes.give(idle);
    pipes.close();
    assertThat(discarded.in().isOpen()).isFalse();
    assertThat(idle.in().isOpen()).isFalse();
    assertThat(pipes.idleCount()).isZero();
  }
}
