package dev.ghost.ingress.testing;

import io.vertx.core.Context;
import java.util.concurrent.CompletableFuture;

/** Runs test code on a Vert.x context, for classes confined to one, and waits until it has run. */
public final class OnContext {

  private OnContext() {}

  /** Runs {@code action} on {@code context} and returns once it has returned (rethrowing what it threw). */
  public static void run(Context context, Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        action.run();
        done.complete(null);
      } catch (RuntimeException | Error e) {
        done.completeExceptionally(e);
      }
    });
    done.join();
  }
}
