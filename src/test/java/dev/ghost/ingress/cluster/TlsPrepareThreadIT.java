package dev.ghost.ingress.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.Await;
import dev.ghost.ingress.testing.TestFleet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netty's {@code JdkSslServerContext} static initialiser costs 1-2 s of CPU (it probes the JDK with a
 * password-protected PKCS#12 key store); left to chance it runs on the event loop that accepts the first event-bus
 * connection. {@link ClusterTrust#prepareTlsInBackground} runs it on {@code ghost-tls-prepare} while Hazelcast joins.
 *
 * <p>Class initialisation happens once per JVM, so this watches it where it really happens: in two fresh node JVMs
 * of a fleet with a secret, whose event buses carry messages both ways over mutual TLS. Each JVM records the JDK's
 * class-load events with their stack traces (JFR, written at exit); a class first loaded from inside the
 * initialiser names, by its event's thread, the thread the initialiser ran on.
 */
class TlsPrepareThreadIT {

  private static final String CONTEXT_CLASS = "io.netty.handler.ssl.JdkSslServerContext";
  /** A remote event-bus delivery counted by Vert.x's own meters: a TLS connection reached this node. */
  private static final Pattern REMOTE_RECEIVED =
      Pattern.compile("(?m)^vertx_eventbus_received_total\\{[^}]*side=\"remote\"[^}]*} ([0-9.eE+]+)$");

  @TempDir
  Path dir;

  @Test
  void theTlsContextClassIsInitialisedOnTheBackgroundThreadOfEveryNode() throws Exception {
    Path recordings = Files.createDirectory(dir.resolve("jfr"));
    Path settings = Files.writeString(dir.resolve("class-loads.jfc"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <configuration version="2.0" label="class loads">
          <event name="jdk.ClassLoad">
            <setting name="enabled">true</setting>
            <setting name="stackTrace">true</setting>
            <setting name="threshold">0 ms</setting>
          </event>
        </configuration>
        """);
    TestFleet.Options options = new TestFleet.Options().jvmArgs(List.of(
        // a directory: each JVM writes its own hotspot-pid-*.jfr into it when it exits
        "-XX:StartFlightRecording=filename=" + recordings + ",settings=" + settings,
        "-XX:FlightRecorderOptions=stackdepth=256", "-Xlog:jfr+startup=warning"));
    try (TestFleet fleet = TestFleet.start(2, options)) {
      HttpClient http = HttpClient.newHttpClient();
      Await.until("each node received event-bus messages from the other", TestFleet.START_DEADLINE,
          () -> remoteReceived(http, fleet, 0) > 0 && remoteReceived(http, fleet, 1) > 0, fleet::describe);
    } // SIGTERM: each JVM writes its recording as it exits
    List<Path> files;
    try (Stream<Path> listed = Files.list(recordings)) {
      files = listed.filter(p -> p.toString().endsWith(".jfr")).sorted().toList();
    }
    assertThat(files).as("one recording per node JVM").hasSize(2);
    for (Path file : files) {
      Map<String, Integer> threads = initialiserThreads(file);
      assertThat(threads).as("threads that ran %s's initialiser in %s", CONTEXT_CLASS, file.getFileName())
          .containsOnlyKeys("ghost-tls-prepare");
    }
  }

  /** The remote event-bus messages node {@code i} received, 0 when none or it does not answer. */
  private static double remoteReceived(HttpClient http, TestFleet fleet, int i) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(fleet.node(i).admin("/metrics")))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      double sum = 0;
      Matcher m = REMOTE_RECEIVED.matcher(r.body());
      while (m.find()) {
        sum += Double.parseDouble(m.group(1));
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /**
   * The threads on which classes were loaded from inside {@link #CONTEXT_CLASS}'s static initialiser, each with its
   * count of such loads: the initialiser's own thread (it loads the key-store and cipher classes it probes with).
   */
  private static Map<String, Integer> initialiserThreads(Path recording) throws IOException {
    Map<String, Integer> threads = new TreeMap<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
      if (e.getEventType().getName().equals("jdk.ClassLoad") && e.getStackTrace() != null
          && insideInitialiser(e.getStackTrace().getFrames())) {
        String thread = e.getThread() == null ? "?" : e.getThread().getJavaName();
        threads.merge(thread, 1, Integer::sum);
      }
    }
    return threads;
  }

  private static boolean insideInitialiser(List<RecordedFrame> frames) {
    List<String> methods = new ArrayList<>();
    for (RecordedFrame f : frames) {
      methods.add(f.getMethod().getType().getName() + "." + f.getMethod().getName());
    }
    return methods.contains(CONTEXT_CLASS + ".<clinit>");
  }
}
