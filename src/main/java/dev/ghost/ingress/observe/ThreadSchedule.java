package dev.ghost.ingress.observe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * How long one thread has run on a core and how long it has waited for one, from Linux's per-thread scheduler
 * statistics ({@code /proc/thread-self/schedstat}: time on a CPU, time runnable on a run queue, both in ns; kernel
 * documentation, "scheduler statistics"). The file is opened by the thread it describes and stays bound to that
 * thread; each {@link #read()} is one positional read of it, so sampling costs one system call. Whatever the thread
 * spent neither running nor queued it spent sleeping or blocked (waiting in {@code epoll}, on a lock, or stopped at a
 * JVM safepoint such as a collection).
 */
final class ThreadSchedule implements AutoCloseable {

  /** The calling thread's statistics file (Linux 3.17 or later, a kernel with scheduler info). */
  static final Path SELF = Path.of("/proc/thread-self/schedstat");

  /** Cumulative times of one thread, in nanoseconds. */
  record Sample(long ranNanos, long queuedNanos) {}

  private final FileChannel file;
  /** Direct, so a read is not copied through a temporary one; three decimal longs and a newline fit. */
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(96);

  private ThreadSchedule(FileChannel file) {
    this.file = file;
  }

  /** The calling thread's schedule, or null where this system does not say (not Linux, no scheduler info). */
  static ThreadSchedule ofCurrentThread() {
    try {
      ThreadSchedule schedule = new ThreadSchedule(FileChannel.open(SELF));
      if (schedule.read() != null) {
        return schedule;
      }
      schedule.close();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // no such file here: stalls go unattributed
    }
    return null;
  }

  /** The thread's times now, or null if the file could not be read or parsed (closed, another format). */
  Sample read() {
    buffer.clear();
    try {
      int n = file.read(buffer, 0);
      if (n <= 0) {
        return null;
      }
      byte[] line = new byte[n];
      buffer.flip().get(line);
      return parse(new String(line, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return null;
    }
  }

  /** The first two fields of a schedstat line; null for anything else. */
  static Sample parse(String line) {
    String[] fields = line.trim().split(" ");
    if (fields.length < 2) {
      return null;
    }
    try {
      long ran = Long.parseLong(fields[0]);
      long queued = Long.parseLong(fields[1]);
      return ran < 0 || queued < 0 ? null : new Sample(ran, queued);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      // nothing was written through it
    }
  }
}
