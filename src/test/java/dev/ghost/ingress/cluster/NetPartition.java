package dev.ghost.ingress.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to the test's namespace by a veth pair, to cut one node off the cluster and heal it
 * again ({@code ip netns}, needs CAP_NET_ADMIN; {@link #unavailable()} says why not when it cannot be made).
 *
 * <p>Addresses come from a random /29 of 198.51.100.0/24 (TEST-NET-2, documentation only, never routed): on the
 * test's side {@link #hostCluster()} (the other nodes' cluster address) and {@link #hostService()} (the control
 * plane); inside, {@link #innerCluster()} (the isolated node's cluster and event-bus address) and
 * {@link #innerAdmin()} (its admin API and the source of its other connections). {@link #cut()} installs {@code prohibit} routes between the two cluster
 * addresses only, on both sides, so the isolated node still reaches the control plane and the test still reaches
 * its admin API; {@link #heal()} removes them. {@link #close()} deletes the namespace and the veth pair.
 */
final class NetPartition implements AutoCloseable {

  private final String ns;
  private final String hostIf;
  private final String innerIf;
  private final String base;
  private final int first;
  private boolean cut;

  private NetPartition() {
    String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    this.ns = "ghost-" + id;
    this.hostIf = "gh" + id + "h";
    this.innerIf = "gh" + id + "n";
    this.base = "198.51.100.";
    this.first = 8 * ThreadLocalRandom.current().nextInt(32);
  }

  /** Why a namespace cannot be made here (no {@code ip}, no permission), or null when it can. */
  static String unavailable() {
    try (NetPartition probe = create()) {
      return null;
    } catch (IOException | RuntimeException e) {
      return "network namespaces unavailable: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Creates the namespace, the veth pair and the addresses, all up. */
  static NetPartition create() throws IOException, InterruptedException {
    NetPartition p = new NetPartition();
    try {
      p.ip("netns", "add", p.ns);
      p.ip("link", "add", p.hostIf, "type", "veth", "peer", "name", p.innerIf);
      p.ip("link", "set", p.innerIf, "netns", p.ns);
      // the service address first: it is the primary, so the test's own connections (to the admin API) come
      // from it and are not cut with the cluster address
      p.ip("addr", "add", p.hostService() + "/29", "dev", p.hostIf);
      p.ip("addr", "add", p.hostCluster() + "/29", "dev", p.hostIf);
      p.ip("link", "set", p.hostIf, "up");
      // likewise inside: the node's control-plane connections come from the admin address, not the cut one
      p.inNs("addr", "add", p.innerAdmin() + "/29", "dev", p.innerIf);
      p.inNs("addr", "add", p.innerCluster() + "/29", "dev", p.innerIf);
      p.inNs("link", "set", p.innerIf, "up");
      p.inNs("link", "set", "lo", "up");
      return p;
    } catch (IOException | InterruptedException | RuntimeException e) {
      p.close();
      throw e;
    }
  }

  String hostCluster() {
    return base + (first + 1);
  }

  String hostService() {
    return base + (first + 2);
  }

  String innerCluster() {
    return base + (first + 3);
  }

  String innerAdmin() {
    return base + (first + 4);
  }

  /** The command prefix that runs a program inside the namespace. */
  List<String> launcher() {
    return List.of("ip", "netns", "exec", ns);
  }

  /** Cuts the cluster addresses off each other (both directions); the service and admin addresses stay reachable. */
  void cut() throws IOException, InterruptedException {
    ip("route", "add", "prohibit", innerCluster() + "/32");
    inNs("route", "add", "prohibit", hostCluster() + "/32");
    cut = true;
  }

  /** Undoes {@link #cut()}. */
  void heal() throws IOException, InterruptedException {
    ip("route", "del", "prohibit", innerCluster() + "/32");
    inNs("route", "del", "prohibit", hostCluster() + "/32");
    cut = false;
  }

  private void inNs(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("-n", ns));
    command.addAll(List.of(args));
    ip(command.toArray(String[]::new));
  }

  private void ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + ": no answer in 10 s");
    }
    String out = new String(p.getInputStream().readAllBytes()).trim();
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + " " + out);
    }
  }

  @Override
  public void close() {
    try {
      if (cut) {
        ip("route", "del", "prohibit", innerCluster() + "/32");
      }
    } catch (IOException | InterruptedException e) {
      // the route goes with the veth below
    }
    try {
      ip("link", "del", hostIf); // deletes its peer too
    } catch (IOException | InterruptedException e) {
      // never created
    }
    try {
      ip("netns", "del", ns);
    } catch (IOException | InterruptedException e) {
      // never created
    }
  }
}
