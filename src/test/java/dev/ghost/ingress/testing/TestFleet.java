package dev.ghost.ingress.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A clustered fleet of real {@code ingress.jar} processes on loopback, for integration tests: one JVM per node,
 * test-only JVM flags, a UUID cluster name, fixed cluster ports picked free per fleet, ephemeral admin, listener and
 * event-bus ports, and fast Hazelcast failure detection ({@link #FAST_HAZELCAST}).
 *
 * <p>{@link #start(int)} starts node 0 alone (its own address as the only member, so it is master at once), then
 * the others in parallel with the full member list, and returns once each node's {@code /v1/status} shows all
 * {@code n} members. {@link #restart(int)} starts a killed or closed node again with the full list.
 *
 * <p>Every node gets the fleet's shared secret ({@link #secretFile()}, random per fleet), as production does.
 */
public final class TestFleet implements AutoCloseable {

  /** Lowest port {@link #freePort} picks: above the ports services usually take. */
  private static final int LOWEST_PICKED = 10_000;
  private static final Random PICK = new SecureRandom();

  /** Child JVM flags: C1 only and the serial GC roughly halve JVM and Hazelcast start-up on 2 cores. */
  public static final List<String> TEST_JVM_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /**
   * Hazelcast properties for tests (system properties override the XML): join without waiting, suspect a silent
   * member after 5 s (enough on a loaded 2-core machine), bounded graceful shutdown.
   */
  public static final Map<String, String> FAST_HAZELCAST = Map.of(
      "hazelcast.wait.seconds.before.join", "0",
      "hazelcast.max.wait.seconds.before.join", "0",
      "hazelcast.heartbeat.interval.seconds", "1",
      "hazelcast.max.no.heartbeat.seconds", "5",
      "hazelcast.merge.first.run.delay.seconds", "5",
      "hazelcast.merge.next.run.delay.seconds", "5",
      "hazelcast.graceful.shutdown.max.wait", "5");

  /** Per fleet: node start (one JVM, cold) and formation deadlines on a busy CI machine. */
  public static final Duration START_DEADLINE = Duration.ofSeconds(60);

  /** Fleet options. */
  public static final class Options {
    String config = "";
    IntFunction<Map<String, String>> env = i -> Map.of();
    List<String> jvmArgs = List.of();
    int strangers;
    IntFunction<String> clusterHost = i -> LOOPBACK;
    IntFunction<String> adminHost = i -> LOOPBACK;
    IntFunction<List<String>> launcher = i -> List.of();

    /**
     * Node {@code i}'s cluster and event-bus address ({@code GHOST_CLUSTER_HOST}, its entry in the member list) and
     * admin address ({@code GHOST_ADMIN_ADDR}, port 0); both 127.0.0.1 unless told (a node in another network
     * namespace).
     */
    public Options hosts(IntFunction<String> clusterHost, IntFunction<String> adminHost) {
      this.clusterHost = clusterHost;
      this.adminHost = adminHost;
      return this;
    }

    /** A command prefix node {@code i}'s JVM runs under (e.g. {@code ip netns exec NAME}); empty: none. */
    public Options launcher(IntFunction<List<String>> prefix) {
      this.launcher = prefix;
      return this;
    }

    /** Extra TOML appended to every node's config file (routes, envs, ...). */
    public Options config(String toml) {
      this.config = toml;
      return this;
    }

    /** Extra environment of node {@code i} (wins over the fleet's own settings). */
    public Options env(IntFunction<Map<String, String>> env) {
      this.env = env;
      return this;
    }

    /**
     * Members of the cluster that are not nodes of this fleet (a test's rogue member, joined through
     * {@code GHOST_CLUSTER_MEMBERS} in {@link #env}): start-up waits for {@code n + strangers} members.
     */
    public Options strangers(int strangers) {
      this.strangers = strangers;
      return this;
    }

    /** Extra child JVM flags. */
    public Options jvmArgs(List<String> args) {
      this.jvmArgs = List.copyOf(args);
      return this;
    }
  }

  private static final String LOOPBACK = "127.0.0.1";

  /** One node of the fleet. */
  public static final class Node {
    private final int index;
    private final String nodeId;
    private final String clusterHost;
    private final String adminHost;
    private volatile int clusterPort;
    private volatile JarProcess process;
    private volatile int adminPort = -1;

    Node(int index, String nodeId, int clusterPort, String clusterHost, String adminHost) {
      this.index = index;
      this.nodeId = nodeId;
      this.clusterPort = clusterPort;
      this.clusterHost = clusterHost;
      this.adminHost = adminHost;
    }

    public int index() {
      return index;
    }

    public String nodeId() {
      return nodeId;
    }

    public int clusterPort() {
      return clusterPort;
    }

    public int adminPort() {
      return adminPort;
    }

    public JarProcess process() {
      return process;
    }

    public boolean alive() {
      return process != null && process.process().isAlive();
    }

    public String admin(String path) {
      return "http://" + adminHost + ":" + adminPort + path;
    }
  }

  private final String clusterName = "ghost-test-" + UUID.randomUUID();
  private final Options options;
  private final Path dir;
  private final Path configFile;
  private final Path secretFile;
  private final List<Node> nodes = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestFleet(Options options) {
    this.options = options;
    try {
      this.dir = Files.createTempDirectory("ghost-fleet-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.configFile = JarProcess.write(dir, "node.toml", String.join("\n",
        "[listen]", "ipv6 = [\"[::1]:0\"]", "[admin]", "listen = \"127.0.0.1:0\"", "", options.config, ""));
    this.secretFile = writeSecret(dir, "cluster.secret");
  }

  /** Writes a fresh random secret ({@code openssl rand -hex 32} style, 64 hex characters) into {@code dir/name}. */
  public static Path writeSecret(Path dir, String name) {
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    Path file = JarProcess.write(dir, name, java.util.HexFormat.of().formatHex(random) + "\n");
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (IOException | UnsupportedOperationException e) {
      // the node only warns about a secret others can read
    }
    return file;
  }

  /** The fleet's shared secret file ({@code GHOST_CLUSTER_SECRET_FILE} of every node). */
  public Path secretFile() {
    return secretFile;
  }

  /** The fleet's working directory (config, secret, state files); removed on {@link #close()}. */
  public Path dir() {
    return dir;
  }

  /** Starts {@code n} clustered nodes and waits until every one sees {@code n} members. */
  public static TestFleet start(int n) throws Exception {
    return start(n, new Options());
  }

  public static TestFleet start(int n, Options options) throws Exception {
    TestFleet fleet = new TestFleet(options);
    try {
      Set<Integer> taken = new HashSet<>();
      for (int i = 0; i < n; i++) {
        fleet.nodes.add(new Node(i, "node-" + i, freePort(taken), options.clusterHost.apply(i),
            options.adminHost.apply(i)));
      }
      fleet.launch(0, List.of(fleet.nodes.get(0)));
      List<CompletableFuture<Void>> rest = new ArrayList<>();
      for (int i = 1; i < n; i++) {
        int k = i;
        rest.add(CompletableFuture.runAsync(() -> fleet.launchUnchecked(k, fleet.nodes)));
      }
      for (CompletableFuture<Void> f : rest) {
        f.join();
      }
      fleet.awaitMembers(n + options.strangers, START_DEADLINE);
      return fleet;
    } catch (Throwable t) {
      fleet.close();
      throw t;
    }
  }

  public String clusterName() {
    return clusterName;
  }

  public int size() {
    return nodes.size();
  }

  public Node node(int i) {
    return nodes.get(i);
  }

  public List<Node> nodes() {
    return List.copyOf(nodes);
  }

  /** The tcp-ip member list of the whole fleet. */
  public String memberList() {
    return nodes.stream().map(n -> n.clusterHost + ":" + n.clusterPort).collect(Collectors.joining(","));
  }

  /** SIGKILLs node {@code i} and waits until the process is gone. */
  public void kill(int i) throws InterruptedException {
    nodes.get(i).process.sigkill();
  }

  /** Starts node {@code i} again (same id and cluster port, full member list) and waits until it is ready. */
  public void restart(int i) throws Exception {
    Node node = nodes.get(i);
    if (node.alive()) {
      throw new IllegalStateException("node " + i + " is still running");
    }
    launch(i, nodes);
  }

  /** The state file ({@code GHOST_STATE_FILE}) of node {@code i}. */
  public Path stateFile(int i) {
    return dir.resolve(nodes.get(i).nodeId + "-state.json");
  }

  /** GET {@code /v1/status} of node {@code i}. */
  public JsonObject status(int i) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(nodes.get(i).admin("/v1/status")))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("/v1/status of node " + i + ": " + r.statusCode() + " " + r.body());
    }
    return new JsonObject(r.body());
  }

  /** The member count node {@code i} reports, or -1 when it does not answer. */
  public int members(int i) {
    try {
      Integer m = status(i).getJsonObject("cluster").getInteger("members");
      return m == null ? -1 : m;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return -1;
    }
  }

  /** Waits until every live node reports {@code expected} members. */
  public void awaitMembers(int expected, Duration deadline) {
    List<Node> live = nodes.stream().filter(Node::alive).toList();
    Await.until("every live node to see " + expected + " members", deadline,
        () -> live.stream().allMatch(n -> members(n.index) == expected),
        () -> live.stream().map(n -> n.nodeId + "=" + members(n.index)).collect(Collectors.joining(", ")));
  }

  /** Closes every node in parallel (SIGTERM, then SIGKILL after 10 s) and deletes the fleet's files. */
  @Override
  public void close() {
    CompletableFuture.allOf(nodes.stream().filter(n -> n.process != null)
        .map(n -> CompletableFuture.runAsync(n.process::close)).toArray(CompletableFuture[]::new)).join();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // temp files only
    }
  }

  /** Everything every node printed, for failure messages. */
  public String describe() {
    return nodes.stream().filter(n -> n.process != null)
        .map(n -> "=== " + n.nodeId + "\n" + n.process.describe()).collect(Collectors.joining("\n"));
  }

  private void launchUnchecked(int i, List<Node> members) {
    try {
      launch(i, members);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts node {@code i} with {@code members} as its member list and waits for its admin port and readiness. A
   * cluster port taken meanwhile by someone else is re-picked (at most twice).
   */
  private void launch(int i, List<Node> members) throws Exception {
    Node node = nodes.get(i);
    for (int attempt = 0; ; attempt++) {
      JarProcess p = startProcess(i, node, members, stateFile(i), Map.of());
      node.process = p;
      try {
        JsonObject admin = p.awaitLog("listening", j -> "admin".equals(j.getString("listener")), START_DEADLINE);
        node.adminPort = admin.getInteger("port");
        p.awaitLog("ingress ready", j -> true, START_DEADLINE);
        return;
      } catch (AssertionError e) {
        boolean portTaken = p.stdout().stream().anyMatch(l -> l.contains("already in use"))
            || p.stderr().stream().anyMatch(l -> l.contains("already in use"));
        p.close();
        if (!portTaken || attempt >= 2) {
          throw e;
        }
        node.clusterPort = freePort(new HashSet<>(nodes.stream().map(Node::clusterPort).toList()));
      }
    }
  }

  /**
   * Starts one node more, as the fleet starts its own, with id {@code nodeId}, a free cluster port and the fleet's
   * members before its own, plus {@code env}; not waited for, and not the fleet's to close: the caller closes it.
   */
  public JarProcess startNewcomer(String nodeId, Map<String, String> env) throws IOException {
    int i = nodes.size();
    Node newcomer = new Node(i, nodeId, freePort(new HashSet<>(nodes.stream().map(Node::clusterPort).toList())),
        options.clusterHost.apply(i), options.adminHost.apply(i));
    List<Node> members = new ArrayList<>(nodes);
    members.add(newcomer);
    // its own state file even under a taken id
    return startProcess(i, newcomer, members, dir.resolve("newcomer-" + i + "-state.json"), env);
  }

  /** Node {@code node}'s process (index {@code i} for the options), with {@code members} as its member list. */
  private JarProcess startProcess(int i, Node node, List<Node> members, Path stateFile,
      Map<String, String> extraEnv) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("GHOST_CLUSTER_MEMBERS", members.stream().map(n -> n.clusterHost + ":" + n.clusterPort)
        .collect(Collectors.joining(",")));
    if (!LOOPBACK.equals(node.clusterHost)) {
      env.put("GHOST_CLUSTER_HOST", node.clusterHost);
    }
    if (!LOOPBACK.equals(node.adminHost)) {
      env.put("GHOST_ADMIN_ADDR", node.adminHost + ":0");
    }
    env.put("GHOST_CLUSTER_PORT", String.valueOf(node.clusterPort));
    env.put("GHOST_CLUSTER_NAME", clusterName);
    env.put("GHOST_EVENTBUS_PORT", "0");
    env.put("GHOST_NODE_ID", node.nodeId);
    env.put("GHOST_STATE_FILE", stateFile.toString());
    env.put("GHOST_CLUSTER_SECRET_FILE", secretFile.toString());
    env.putAll(options.env.apply(i));
    env.putAll(extraEnv);
    List<String> jvm = new ArrayList<>(TEST_JVM_FLAGS);
    FAST_HAZELCAST.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
    jvm.addAll(options.jvmArgs);
    String java = JarProcess.currentJava();
    List<String> launcher = options.launcher.apply(i);
    if (!launcher.isEmpty()) { // the prefix runs java: "ip netns exec NAME java flags -jar ..."
      jvm.add(0, java);
      jvm.addAll(0, launcher.subList(1, launcher.size()));
      java = launcher.get(0);
    }
    return JarProcess.start(java, jvm, JarProcess.builtJar(), env, null, "--config", configFile.toString());
  }

  /**
   * A port that was free a moment ago on 127.0.0.1 and ::1 and is not in {@code taken} (which it joins), chosen
   * below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}): a port handed out by a bind to port 0
   * is an ephemeral one, and an outgoing connection of anything on the machine could take it before the node binds
   * it (a fleet test's node binds a route's port only when the route arrives, seconds later: seen once in CI as
   * "Address already in use"). Random, so that tests picking at the same time rarely pick alike; a port bind to 0
   * gave only when no port below the range is free.
   */
  public static int freePort(Set<Integer> taken) {
    int below = ephemeralStart();
    for (int i = 0; i < 200 && below > LOWEST_PICKED; i++) {
      int port = LOWEST_PICKED + PICK.nextInt(below - LOWEST_PICKED);
      if (!taken.contains(port) && free(port)) {
        taken.add(port);
        return port;
      }
    }
    for (int i = 0; i < 20; i++) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no free port");
  }

  /** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
  static int ephemeralStart() {
    try {
      // read line by line: /proc reports a size of 0, and Files.readString read only its first byte here
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  /**
   * True when {@code port} can be bound on 127.0.0.1, and on ::1 unless ::1 fails for another reason than the port
   * being in use (no IPv6 loopback here).
   */
  private static boolean free(int port) {
    for (String host : List.of("127.0.0.1", "::1")) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      } catch (IOException e) {
        boolean inUse = e instanceof BindException && String.valueOf(e.getMessage()).contains("in use");
        if (host.equals("127.0.0.1") || inUse) {
          return false;
        }
      }
    }
    return true;
  }

  /** Node indexes 0..n-1 (helper for tests). */
  public IntStream indexes() {
    return IntStream.range(0, nodes.size());
  }
}
