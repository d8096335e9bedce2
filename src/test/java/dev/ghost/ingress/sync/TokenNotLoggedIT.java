package dev.ghost.ingress.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ghost.ingress.testing.JarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar, synced from the dev control plane (also the real jar, its subcommand), at debug log level: the
 * bearer token never appears on stdout or stderr of either process, neither when it is accepted nor when a node
 * with a wrong token is refused (401).
 */
class TokenNotLoggedIT {

  static final String SECRET = "ghs-SECRET-7f3a9c1e-do-not-log";
  static final String WRONG = "ghs-WRONG-0b5d22aa-do-not-log";
  static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  final List<JarProcess> started = new ArrayList<>();

  @AfterEach
  void stop() {
    started.forEach(JarProcess::close);
  }

  private JarProcess start(Map<String, String> env, String... args) throws Exception {
    JarProcess p = JarProcess.start(env, args);
    started.add(p);
    return p;
  }

  private JarProcess node(int cpPort, String token, String name) throws Exception {
    return start(Map.of(
        "GHOST_CONTROL_PLANE_URL", "http://127.0.0.1:" + cpPort,
        "GHOST_API_TOKEN", token,
        "GHOST_ORG_ID", SyncFixture.ORG,
        "GHOST_LISTEN_ADDR_IPV6", "[::1]:443",
        "GHOST_PORT_MAP", "443=0",
        "GHOST_ADMIN_ADDR", "127.0.0.1:0",
        "GHOST_STATE_FILE", dir.resolve(name + "-state.json").toString(),
        "GHOST_SYNC_POLL_INTERVAL", "200ms",
        "GHOST_LOG_LEVEL", "debug"));
  }

  @Test
  void tokenNeverLogged() throws Exception {
    Path state = dir.resolve("cp.toml");
    Files.writeString(state, SyncFixture.initialState(null).replace(SyncFixture.TOKEN, "file-token") + """

        [[route]]
        id = "rt_a"
        env = "env_1"
        hostname = "myapp.example.com"
        listen_port = 443
        protocol = "tls_passthrough"
        backend_port = 9443
        """);
    JarProcess cp = start(Map.of(), "dev-control-plane", "--state", state.toString(), "--listen", "127.0.0.1:0",
        "--token", SECRET, "--scan", "50ms");
    int port = cp.awaitLog("dev control plane listening", j -> j.containsKey("port") && j.getInteger("port") > 0,
        DEADLINE).getInteger("port");

    JarProcess good = node(port, SECRET, "good");
    good.awaitLog("route table applied", j -> j.getInteger("routes", 0) == 1, DEADLINE);
    good.awaitLog("ingress ready", j -> true, DEADLINE);

    // the same token written with its "Bearer " prefix is accepted too
    JarProcess prefixed = node(port, "Bearer " + SECRET, "prefixed");
    prefixed.awaitLog("route table applied", j -> j.getInteger("routes", 0) == 1, DEADLINE);

    JarProcess bad = node(port, WRONG, "bad");
    bad.awaitLog("control-plane sync failed; serving the last good table",
        j -> "unauthorized".equals(j.getString("kind")), DEADLINE);
    bad.awaitLog("control-plane sync failed; serving the last good table",
        j -> "unauthorized".equals(j.getString("kind")) && "event feed".equals(j.getString("what")), DEADLINE);

    // a route change flows while the three run
    Files.writeString(state, Files.readString(state).replace("backend_port = 9443", "backend_port = 9444"));
    good.awaitLog("route table applied", j -> j.getLong("cursor", 0L) > 3, DEADLINE);

    for (JarProcess p : started) {
      p.sigterm();
    }
    for (JarProcess p : started) {
      p.awaitExit(DEADLINE);
      String all = String.join("\n", p.stdout()) + "\n" + String.join("\n", p.stderr());
      assertThat(all).as(p.describe()).doesNotContain(SECRET).doesNotContain(WRONG)
          .doesNotContain("7f3a9c1e").doesNotContain("0b5d22aa");
      assertThat(p.stdout()).isNotEmpty();
    }
  }
}
