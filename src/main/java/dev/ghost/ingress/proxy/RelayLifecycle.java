package dev.ghost.ingress.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * How every {@link Relay} ends, in one place: the idle timeout, the first ending wins (with its {@link CloseReason}
 * and close action), both channels are closed, and the result completes once both are closed. The relays supply how
 * bytes move and how a channel is closed; they are confined to the connection's event loop.
 */
abstract class RelayLifecycle implements Relay {

  private final Duration idleTimeout;
  private final Promise<Result> done = Promise.promise();
  private EventLoop loop;
  private boolean finished;
  private CloseReason reason;
  private int channelsClosed;
  /** The idle clock: the relays touch it whenever a byte moves. */
  protected IdleTimeout idle;

  /** @param idleTimeout close after this long without a byte either way; {@link Duration#ZERO} for none */
  RelayLifecycle(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  /**
   * Starts the clock on the connection's event loop; the relay then reports each of its two sockets' close through
   * {@link #onChannelClosed}.
   */
  protected final Future<Result> begin(EventLoop connectionLoop) {
    loop = connectionLoop;
    idle = new IdleTimeout(idleTimeout, this::schedule, () -> finish(CloseReason.IDLE_TIMEOUT));
    idle.start();
    return done.future();
  }

  @Override
  public final void abort(CloseReason why) {
    if (loop.inEventLoop()) {
      finish(why);
    } else {
      loop.execute(() -> finish(why));
    }
  }

  protected final boolean finished() {
    return finished;
  }

  protected final void finish(CloseReason why) {
    finish(why, why.action());
  }

  protected final void finish(RelayEndings.Ending ending) {
    finish(ending.reason(), ending.action());
  }

  /** The first ending wins: the clock stops, the relay lets go of what it holds, and both channels close. */
  protected final void finish(CloseReason why, CloseReason.CloseAction action) {
    if (finished) {
      return;
    }
    finished = true;
    reason = why;
    idle.stop();
    closeBoth(action);
    maybeDone();
  }

  /** Closes both channels as {@code action} says, releasing what the relay holds. */
  protected abstract void closeBoth(CloseReason.CloseAction action);

  /** Bytes read from the client and written upstream. */
  protected abstract long bytesFromClient();

  /** Bytes read from the backend and written to the client. */
  protected abstract long bytesFromBackend();

  /** True when the relay was started with bytes for the backend that the backend did not take in full. */
  protected boolean preambleLost() {
    return false;
  }

  /** One of the two sockets closed; only counted (the relay's handlers saw why). */
  protected final void onChannelClosed() {
    channelsClosed++;
    maybeDone();
  }

  private void maybeDone() {
    if (finished && channelsClosed == 2) {
      done.tryComplete(new Result(bytesFromClient(), bytesFromBackend(), reason, preambleLost()));
    }
  }

  private Runnable schedule(long delayNanos, Runnable task) {
    ScheduledFuture<?> timer = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    return () -> timer.cancel(false);
  }
}
