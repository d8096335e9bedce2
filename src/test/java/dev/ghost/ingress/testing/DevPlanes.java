package dev.ghost.ingress.testing;

import dev.ghost.ingress.devcp.DevControlPlane;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Dev control planes for fleet tests: one org, one env ({@code env_1} of {@code app_1}), one ready instance on ::1. */
public final class DevPlanes {

  private DevPlanes() {}

  /**
   * Starts a dev control plane on {@code vertx} whose state file ({@code dir/cp.toml}) holds the org, the env and a
   * ready {@code web} instance at overlay address {@code ::1}; scanned every 50 ms so test edits show at once.
   */
  public static DevControlPlane oneReadyInstance(Vertx vertx, Path dir, String org, String token) throws IOException {
    return oneReadyInstance(vertx, dir, org, token, "127.0.0.1");
  }

  /** Like {@link #oneReadyInstance(Vertx, Path, String, String)}, listening on {@code host}. */
  public static DevControlPlane oneReadyInstance(Vertx vertx, Path dir, String org, String token, String host)
      throws IOException {
    Path state = dir.resolve("cp.toml");
    Files.writeString(state, """
        org = "%s"
        token = "%s"

        [[env]]
        id = "env_1"
        app = "app_1"

        [[instance]]
        id = "inst_1"
        env = "env_1"
        process_type = "web"
        overlay_ipv6 = "::1"
        status = "ready"
        """.formatted(org, token));
    return DevControlPlane.start(vertx, new DevControlPlane.Options().stateFile(state).scan(Duration.ofMillis(50)).host(host))
        .await();
  }
}
