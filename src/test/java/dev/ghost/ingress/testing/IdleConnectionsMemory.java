package dev.ghost.ingress.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A measuring tool, not a test: holds {@code N} idle proxied connections through an in-JVM node (ClientHello sent,
 * backend answered, then silence) and prints the heap after GC per connection, for the relay named on the command
 * line. The clients and the backend are NIO sockets without threads, and a run without the node ("direct")
 * gives their own share, so {@code proxied - direct} is the node's cost per connection. Loopback only, bounded.
 *
 * <p>Then, with a third argument {@code C}, it churns: {@code C} warm-up connections, then {@code C} measured ones,
 * each a full life (hello, answer, the backend's FIN, the client's close), one after the other, and prints the CPU
 * time and heap allocation of Vert.x's event-loop and acceptor threads per connection.
 *
 * <p>Run with the test classpath, one JVM per case:
 * {@code java -XX:+UseSerialGC -cp ... dev.ghost.ingress.testing.IdleConnectionsMemory netty|vertx|direct [N [C]]}.
 */
public final class IdleConnectionsMemory {

  /** Histogram rows printed besides the relay's own classes. */
  private static final int TOP = 25;
  /** The length of the one hello every client of a run sends. */
  private static volatile int helloLength;
  private static final byte[] ANSWER = "ok".getBytes(StandardCharsets.US_ASCII);

  private IdleConnectionsMemory() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "splice";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int churn = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    AtomicBoolean closeAfterAnswer = new AtomicBoolean();
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
      Thread acceptor = new Thread(() -> acceptLoop(server, accepted, closeAfterAnswer), "backend-acceptor");
      acceptor.setDaemon(true);
      acceptor.start();
      String backend = "127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
      TestNode node = mode.equals("direct") ? null : TestNode.start(new TestNode.Spec().withoutProbes()
          .set("proxy.native_transport", mode.equals("splice"))
          .set("log.access", false)
          .ipv6("::1")
          .route(TestNode.RouteJson.tls("sole", TestTls.MYAPP, backend).port(7600)));
      InetSocketAddress target = node == null
          ? (InetSocketAddress) server.getLocalAddress()
          : new InetSocketAddress("::1", node.port("::1", 7600));
      byte[] hello = ClientHellos.jdk(TestTls.MYAPP, "TLSv1.3");
      helloLength = hello.length;
      // warm-up round so class loading and JIT are in the baseline, not in the per-connection figure
      closeAll(open(target, hello, 200), accepted);
      long before = heapAfterGc();
      List<SocketChannel> clients = open(target, hello, n);
      long held = heapAfterGc();
      System.out.printf("mode=%s connections=%d heap_before=%.1fMB heap_held=%.1fMB per_connection=%.2fkB%n",
          mode, n, before / 1e6, held / 1e6, (held - before) / 1e3 / n);
      histogram();
      closeAll(clients, accepted);
      if (node != null) {
        node.awaitNoOpenConnections(java.time.Duration.ofSeconds(10));
        if (churn > 0) {
          closeAfterAnswer.set(true);
          churn(target, hello, churn);
          long cpu = eventLoopCpuNanos();
          long allocated = eventLoopAllocatedBytes();
          long wall = System.nanoTime();
          churn(target, hello, churn);
          cpu = eventLoopCpuNanos() - cpu;
          allocated = eventLoopAllocatedBytes() - allocated;
          wall = System.nanoTime() - wall;
          System.out.printf("mode=%s churned=%d event_loop_cpu_per_connection=%.1fus"
              + " event_loop_allocated_per_connection=%.0fB wall=%.2fs%n",
              mode, churn, cpu / 1e3 / churn, (double) allocated / churn, wall / 1e9);
          node.awaitNoOpenConnections(java.time.Duration.ofSeconds(10));
        }
        node.close();
      }
    }
    System.exit(0);
  }

  private static List<SocketChannel> open(InetSocketAddress target, byte[] hello, int n) throws IOException {
    List<SocketChannel> clients = new ArrayList<>(n);
    ByteBuffer answer = ByteBuffer.allocate(ANSWER.length);
    for (int i = 0; i < n; i++) {
      SocketChannel c = SocketChannel.open(target);
      c.write(ByteBuffer.wrap(hello));
      answer.clear();
      while (answer.hasRemaining()) {
        if (c.read(answer) < 0) {
          throw new IOException("connection " + i + " closed before the backend's answer");
        }
      }
      clients.add(c);
    }
    return clients;
  }

  private static void churn(InetSocketAddress target, byte[] hello, int count) throws IOException {
    ByteBuffer sink = ByteBuffer.allocate(64);
    for (int i = 0; i < count; i++) {
      try (SocketChannel c = SocketChannel.open(target)) {
        c.write(ByteBuffer.wrap(hello));
        sink.clear();
        while (c.read(sink) >= 0) {
          sink.clear();
        }
      }
    }
  }

  private static long eventLoopCpuNanos() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long id : eventLoopThreadIds()) {
      total += Math.max(0, threads.getThreadCpuTime(id));
    }
    return total;
  }

  /** Heap allocated by the same threads: unlike CPU time, not blurred by other load on the machine. */
  private static long eventLoopAllocatedBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long id : eventLoopThreadIds()) {
      total += Math.max(0, threads.getThreadAllocatedBytes(id));
    }
    return total;
  }

  private static List<Long> eventLoopThreadIds() {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    List<Long> ids = new ArrayList<>();
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && (t.getThreadName().startsWith("vert.x-eventloop")
          || t.getThreadName().startsWith("vert.x-acceptor"))) {
        ids.add(t.getThreadId());
      }
    }
    return ids;
  }

  private static void closeAll(List<SocketChannel> clients, List<SocketChannel> accepted) throws IOException {
    for (SocketChannel c : clients) {
      c.close();
    }
    for (SocketChannel s : accepted) {
      s.close();
    }
    accepted.clear();
  }

  private static void acceptLoop(ServerSocketChannel server, List<SocketChannel> accepted, AtomicBoolean close) {
    try {
      while (true) {
        SocketChannel s = server.accept();
        if (close.get()) {
          // the whole hello is read first: closing with unread bytes would send RST instead of FIN
          ByteBuffer hello = ByteBuffer.allocate(helloLength);
          while (hello.hasRemaining() && s.read(hello) >= 0) {
            continue;
          }
          s.write(ByteBuffer.wrap(ANSWER));
          s.close();
        } else {
          s.write(ByteBuffer.wrap(ANSWER));
          accepted.add(s);
        }
      }
    } catch (IOException closed) {
      // the server closed: done
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** The classes the relay choice is about, counted live: proof of which relay ran. */
  private static void histogram() throws Exception {
    Process p = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    String[] lines = out.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (i < 3 + TOP || line.contains("NetSocketImpl") || line.contains("MpscUnboundedArrayQueue")
          || line.contains("NettyRelay") || line.contains("SpliceRelay")) {
        System.out.println("  " + line.trim());
      }
    }
  }
}
