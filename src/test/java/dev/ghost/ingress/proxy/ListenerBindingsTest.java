package dev.ghost.ingress.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle of one instance's bindings, against a binder whose listen and close calls the test completes: every
 * interleaving of a table swap with a pending listen or close, without a socket.
 */
class ListenerBindingsTest {

  final Vertx vertx = Vertx.vertx();
  final Context loop = vertx.getOrCreateContext();
  final ScriptedBinder binder = new ScriptedBinder();
  final BoundSockets node = new BoundSockets();
  final List<String> failures = new ArrayList<>();
  final ListenerBindings bindings = onLoop(() -> new ListenerBindings(vertx, binder, node, b -> c -> {},
      failures::add, () -> 1_000));
  final Binding a = new Binding("::1", 443, 8443);
  final Binding b = new Binding("::1", 444, 8444);

  @AfterEach
  void close() {
    vertx.close().await();
  }

  /** A binder whose calls wait for the test: opens and closes in the order they were asked. */
  static final class ScriptedBinder implements Listening.Binder {
    final Map<Binding, List<Promise<Listening>>> opens = new LinkedHashMap<>();
    final Map<Binding, List<Promise<Void>>> closes = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();

    @Override
    public Future<Listening> open(Binding binding, Consumer<Downstream> accepted) {
      calls.add("open " + binding.label());
      Promise<Listening> p = Promise.promise();
      opens.computeIfAbsent(binding, k -> new ArrayList<>()).add(p);
      return p.future();
    }

    @Override
    public Future<Void> close(Binding binding, Future<Listening> opening, long graceMs) {
      calls.add("close " + binding.label());
      Promise<Void> p = Promise.promise();
      closes.computeIfAbsent(binding, k -> new ArrayList<>()).add(p);
      return opening.transform(ar -> p.future());
    }

    void bind(Binding binding, int port) {
      last(opens, binding).complete(listening(port));
    }

    void fail(Binding binding, String why) {
      last(opens, binding).fail(new java.io.IOException(why));
    }

    void closed(Binding binding) {
      last(closes, binding).complete();
    }

    private static <T> Promise<T> last(Map<Binding, List<Promise<T>>> m, Binding binding) {
      List<Promise<T>> l = m.get(binding);
      return l.get(l.size() - 1);
    }

    private static Listening listening(int port) {
      return new Listening() {
        @Override
        public int port() {
          return port;
        }

        @Override
        public Future<Void> close(long graceMs) {
          return Future.succeededFuture();
        }
      };
    }
  }

  <T> T onLoop(Supplier<T> action) {
    CompletableFuture<T> done = new CompletableFuture<>();
    loop.runOnContext(v -> {
      try {
        done.complete(action.get());
      } catch (RuntimeException | Error e) {
        done.completeExceptionally(e);
      }
    });
    try {
      return done.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  void onLoop(Runnable action) {
    onLoop(() -> {
      action.run();
      return null;
    });
  }

  Future<Void> reconcile(Set<Binding> wanted, Map<Binding, String> clashes, boolean startup) {
    return onLoop(() -> bindings.reconcile(new ListenerPlan.Plan(wanted, clashes), startup));
  }

  Map<Binding, BindingState> states() {
    return onLoop(bindings::states);
  }

  @Test
  void aBindingMovesFromBindingToBoundAndIsShownOnce() {
    reconcile(Set.of(a), Map.of(), false);
    assertThat(states()).containsEntry(a, BindingState.BINDING);
    assertThat(node.snapshot()).isEmpty();
    onLoop(() -> binder.bind(a, 8443));
    assertThat(states()).containsEntry(a, BindingState.BOUND);
    assertThat(node.port("::1", 443)).isEqualTo(8443);
  }

  @Test
  void aBindingReleasedWhileItsListenIsUnderWayIsClosedOnceBound() {
    reconcile(Set.of(a), Map.of(), false);
    reconcile(Set.of(), Map.of(), false);
    assertThat(states()).containsEntry(a, BindingState.RELEASING);
    onLoop(() -> binder.bind(a, 8443));
    assertThat(node.port("::1", 443)).as("never shown bound").isEqualTo(-1);
    onLoop(() -> binder.closed(a));
    assertThat(states()).isEmpty();
    assertThat(node.held()).isZero();
    assertThat(binder.calls).containsExactly("open [::1]:443", "close [::1]:443");
  }

  @Test
  void aBindingWantedAgainWhileReleasingIsBoundAgainOnlyAfterTheClose() {
    reconcile(Set.of(a), Map.of(), false);
    onLoop(() -> binder.bind(a, 8443));
    reconcile(Set.of(), Map.of(), false);
    reconcile(Set.of(a), Map.of(), false);
    assertThat(binder.calls).containsExactly("open [::1]:443", "close [::1]:443");
    onLoop(() -> binder.closed(a));
    assertThat(binder.calls).containsExactly("open [::1]:443", "close [::1]:443", "open [::1]:443");
    onLoop(() -> binder.bind(a, 8443));
    assertThat(states()).containsEntry(a, BindingState.BOUND);
    assertThat(node.port("::1", 443)).isEqualTo(8443);
  }

  @Test
  void aClashIsFailedWithoutAListenAndCountedOnce() {
    reconcile(Set.of(a), Map.of(b, "bind port 8443 already serves route port 443"), false);
    reconcile(Set.of(a), Map.of(b, "bind port 8443 already serves route port 443"), false);
    assertThat(states()).containsEntry(b, BindingState.FAILED);
    assertThat(binder.calls).containsExactly("open [::1]:443");
    assertThat(failures).containsExactly("[::1]:444");
    assertThat(node.snapshot().get("[::1]:444").error()).contains("already serves");
    reconcile(Set.of(a), Map.of(), false);
    assertThat(states()).doesNotContainKey(b);
    assertThat(node.snapshot()).doesNotContainKey("[::1]:444");
  }

  @Test
  void aRuntimeFailureIsRetriedUntilItBindsAndCountedOnce() {
    reconcile(Set.of(a), Map.of(), false);
    onLoop(() -> binder.fail(a, "Address already in use"));
    assertThat(states()).containsEntry(a, BindingState.FAILED);
    Await.until("the retry", () -> onLoop(() -> binder.opens.get(a).size()) == 2);
    onLoop(() -> binder.fail(a, "Address already in use"));
    Await.until("the second retry", () -> onLoop(() -> binder.opens.get(a).size()) == 3);
    onLoop(() -> binder.bind(a, 8443));
    assertThat(states()).containsEntry(a, BindingState.BOUND);
    assertThat(failures).containsExactly("[::1]:443");
  }

  @Test
  void aStartUpFailureFailsTheReconcileNamingTheAddressAndIsNotRetried() {
    Future<Void> started = reconcile(Set.of(a), Map.of(), true);
    onLoop(() -> binder.fail(a, "Address already in use"));
    Await.until("start-up fails", started::failed);
    assertThat(started.cause()).hasMessage("cannot bind [::1]:8443 (listener [::1]:443): Address already in use");
  }

  @Test
  void releaseAllClosesEveryBindingAndBindsNothingAfter() {
    reconcile(Set.of(a, b), Map.of(), false);
    onLoop(() -> binder.bind(a, 8443));
    Future<Void> released = onLoop(() -> bindings.releaseAll(0));
    onLoop(() -> binder.bind(b, 8444));
    onLoop(() -> {
      binder.closed(a);
      binder.closed(b);
    });
    Await.until("released", released::succeeded);
    reconcile(Set.of(a), Map.of(), false);
    assertThat(states()).isEmpty();
    assertThat(node.held()).isZero();
  }
}
