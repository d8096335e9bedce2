package dev.ghost.ingress.proxy;

import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The kernel pipes one event loop splices through, pooled. A direction of a {@link SpliceRelay} takes a pipe only
 * while bytes are in flight and gives it back once it is empty, so an idle connection holds two descriptors (its
 * sockets), not six, and a busy loop reuses a handful of pipes instead of creating two per connection (HAProxy keeps
 * a pipe pool for the same reason). Confined to one event loop.
 */
final class Pipes {

  /** Idle pipes kept per loop; past this a returned pipe is closed. */
  static final int DEFAULT_IDLE = 64;

  private final ArrayDeque<Pipe> idle = new ArrayDeque<>();
  private final int maxIdle;

  Pipes() {
    this(DEFAULT_IDLE);
  }

  Pipes(int maxIdle) {
    this.maxIdle = maxIdle;
  }

  /** One pipe: bytes written to {@code in} come out of {@code out}. */
  record Pipe(FileDescriptor out, FileDescriptor in) {
    void close() {
      closeQuietly(in);
      closeQuietly(out);
    }
  }

  /** An idle pipe, or a new one. Fails when the process is out of descriptors. */
  Pipe take() throws IOException {
    Pipe p = idle.poll();
    if (p != null) {
      return p;
    }
    FileDescriptor[] fds = FileDescriptor.pipe();
    return new Pipe(fds[0], fds[1]);
  }

  /** Returns an empty pipe; one that may still hold bytes must be {@link #discard discarded} instead. */
  void give(Pipe p) {
    if (idle.size() < maxIdle) {
      idle.push(p);
    } else {
      p.close();
    }
  }

  /** Closes a pipe whose content is no longer wanted (the relay ended with bytes in flight). */
  void discard(Pipe p) {
    p.close();
  }

  /** Idle pipes held now. */
  int idleCount() {
    return idle.size();
  }

  /** Closes every idle pipe (the loop's listener instance stops). */
  void close() {
    Pipe p;
    while ((p = idle.poll()) != null) {
      p.close();
    }
  }

  private static void closeQuietly(FileDescriptor fd) {
    try {
      fd.close();
    } catch (IOException ignored) {
      // a pipe end that cannot be closed is already gone
    }
  }
}
