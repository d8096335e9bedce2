package dev.ghost.ingress.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Relays through the event loop: every buffer read on one side is written to the other without a copy, the source
 * is paused while the destination's write queue is full (and resumed on drain), and a FIN is forwarded as a FIN
 * once the bytes before it are flushed. The connection is over when both FINs are forwarded, or at the first
 * close, error or abort.
 */
final class PipeRelay implements Relay {

  private final Vertx vertx;
  private final Duration idleTimeout;
  private final Promise<Result> done = Promise.promise();
  private Direction up;
  private Direction down;
  private Peer client;
  private Peer backend;
  private boolean finished;
  private IdleTimeout idle;

  /**
   * @param idleTimeout close after this long without a byte either way; {@link Duration#ZERO} for none
   */
  PipeRelay(Vertx vertx, Duration idleTimeout) {
    this.vertx = vertx;
    this.idleTimeout = idleTimeout;
  }

  @Override
  public Future<Result> start(Peer client, Peer backend, boolean clientFinPending) {
    this.client = client;
    this.backend = backend;
    up = new Direction(client, backend, CloseReason.CLIENT_CLOSED);
    down = new Direction(backend, client, CloseReason.BACKEND_CLOSED);
    client.closeHandler(v -> up.sourceClosed());
    backend.closeHandler(v -> down.sourceClosed());
    client.exceptionHandler(up::sourceFailed);
    backend.exceptionHandler(down::sourceFailed);
    idle = new IdleTimeout(idleTimeout, this::schedule, () -> finish(CloseReason.IDLE_TIMEOUT));
    idle.start();
    client.consumeWith(up::onMessage);
    if (clientFinPending) {
      up.forwardFin();
    } else {
      client.resume();
    }
    backend.consumeWith(down::onMessage);
    backend.resume();
    return done.future();
  }

  @Override
  public void abort(CloseReason reason) {
    finish(reason);
  }

  /** Vert.x timers count whole milliseconds: round up, so the timer never comes due before the deadline. */
  private Runnable schedule(long delayNanos, Runnable task) {
    long id = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999)), t -> task.run());
    return () -> vertx.cancelTimer(id);
  }

  private void maybeCompleted() {
    if (up.finForwarded && down.finForwarded) {
      finish(CloseReason.COMPLETED);
    }
  }

  private void finish(CloseReason reason) {
    finish(reason, reason.action());
  }

  private void finish(RelayEndings.Ending ending) {
    finish(ending.reason(), ending.action());
  }

  private void finish(CloseReason reason, CloseReason.CloseAction action) {
    if (finished) {
      return;
    }
    finished = true;
    idle.stop();
    client.close(action);
    backend.close(action);
    done.complete(new Result(up.bytes, down.bytes, reason));
  }

  /** One direction of the relay: source to destination. */
  private final class Direction {
    private final Peer source;
    private final Peer destination;
    private final CloseReason sourceClosedReason;
    private long bytes;
    private boolean finSeen;
    private boolean finForwarded;

    Direction(Peer source, Peer destination, CloseReason sourceClosedReason) {
      this.source = source;
      this.destination = destination;
      this.sourceClosedReason = sourceClosedReason;
    }

    void onMessage(Object msg) {
      if (finished) {
        ReferenceCountUtil.release(msg);
      } else if (msg instanceof ByteBuf buf) {
        forward(buf);
      } else if (msg == InputShutdown.FIN) {
        forwardFin();
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    private void forward(ByteBuf buf) {
      bytes += buf.readableBytes();
      idle.touch();
      destination.write(buf);
      if (destination.writeQueueFull()) {
        source.pause();
        destination.drainHandler(v -> {
          destination.drainHandler(null);
          if (!finished) {
            source.resume();
          }
        });
      }
    }

    void forwardFin() {
      if (finSeen) {
        return;
      }
      finSeen = true;
      destination.shutdownOutput().onComplete(ar -> {
        if (ar.failed()) {
          finish(RelayEndings.finNotForwarded(reverse().finSeen));
        } else {
          finForwarded = true;
          maybeCompleted();
        }
      });
    }

    private Direction reverse() {
      return this == up ? down : up;
    }

    void sourceClosed() {
      finish(sourceClosedReason);
    }

    void sourceFailed(Throwable error) {
      finish(RelayEndings.afterError(error, finSeen, reverse().finSeen, sourceClosedReason));
    }
  }
}
