package dev.ghost.ingress.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.ghost.ingress.config.CommandLine;
import dev.ghost.ingress.config.ConfigException;
import dev.ghost.ingress.config.ConfigLoader;
import dev.ghost.ingress.config.Durations;
import dev.ghost.ingress.config.HostPort;
import dev.ghost.ingress.config.IngressConfig;
import dev.ghost.ingress.config.Settings;
import dev.ghost.ingress.devcp.DevControlPlane;
import dev.ghost.ingress.devcp.DevControlPlaneCommand;
import dev.ghost.ingress.devcp.DevState;
import dev.ghost.ingress.devcp.DevStateFile;
import dev.ghost.ingress.proxy.ConnectionLimits;
import dev.ghost.ingress.testing.JvmFlagsDoc;
import dev.ghost.ingress.workload.SampleWorkload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keeps {@code docker-compose.yml} and {@code Dockerfile} honest without a container engine: every service's command
 * is accepted by the real CLI, every {@code GHOST_*} variable is a setting and the node configuration built from the
 * environment alone is valid, published ports match the listen and admin settings (and the unauthenticated cluster
 * ports stay private), fixed addresses are unique and inside the declared subnets, and the dev control plane's state
 * file exists, parses and points its instances at the workloads' fixed IPv6 addresses. Issue 12, item 7: every service
 * has a health check that probes what it serves (a node's {@code /readyz} on its admin port), nodes wait for healthy
 * dependencies and have a descriptor limit, and the "observability" profile's Prometheus scrapes every node and its
 * Grafana shows the dashboard of {@code deploy/}. Structural only: no container engine runs here.
 */
class ComposeFileTest {

  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
  private static final Path DOCKERFILE = ROOT.resolve("Dockerfile");
  private static final String JAR_IN_BUILD = "target/ingress.jar";

  private static Dockerfile dockerfile;
  private static Map<String, Object> compose;
  /** The services built from this repository's Dockerfile. */
  private static Map<String, Service> services;
  /** Every service by name, as YAML (the observability profile's services run other images). */
  private static Map<String, Map<String, Object>> allServices;
  private static Network network;

  /** What a service runs, with its fixed addresses and its parsed command. */
  record Service(String name, Map<String, Object> yaml, List<String> argv, CommandLine cli, Map<String, String> env,
      InetAddress ipv4, InetAddress ipv6) {

    boolean isIngress() {
      return cli instanceof CommandLine.Run;
    }

    boolean isSubcommand(String name) {
      return cli instanceof CommandLine.Subcommand s && s.name().equals(name);
    }

    List<String> subArgs() {
      return ((CommandLine.Subcommand) cli).args();
    }

    boolean hasAddress(String host) {
      InetAddress a = ip(host);
      return a.equals(ipv4) || a.equals(ipv6);
    }
  }

  /** One published port: host IP (or null: every address), host port (0: ephemeral), container port. */
  record Published(String hostIp, int hostPort, int containerPort) {}

  /** The compose network the services share, with its subnets. */
  record Network(String name, List<Subnet> subnets) {}

  /** A CIDR block. */
  record Subnet(InetAddress base, int prefix) {
    boolean contains(InetAddress a) {
      if (a.getAddress().length != base.getAddress().length) {
        return false;
      }
      int bits = a.getAddress().length * 8;
      BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
          .shiftRight(prefix).xor(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
      return new BigInteger(1, a.getAddress()).and(mask).equals(new BigInteger(1, base.getAddress()).and(mask));
    }

    /** Offset of {@code a} inside the block (0 = the network address, 1 = Docker's default gateway). */
    BigInteger offset(InetAddress a) {
      return new BigInteger(1, a.getAddress()).subtract(new BigInteger(1, base.getAddress()));
    }
  }

  /** The runtime stage of the Dockerfile as far as the compose file depends on it. */
  record Dockerfile(String buildStage, String runtimeStage, String jarPath, List<String> entrypoint, String user,
      Set<Integer> exposed, String healthcheck) {}

  @BeforeAll
  static void load() throws Exception {
    dockerfile = parseDockerfile(Files.readString(DOCKERFILE));
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    compose = yaml.load(Files.readString(COMPOSE));
    network = parseNetwork();
    services = new LinkedHashMap<>();
    allServices = new LinkedHashMap<>();
    map(compose, "services").forEach((name, value) -> {
      allServices.put(name, map(value, name));
      if (map(value, name).containsKey("build")) {
        services.put(name, parseService(name, map(value, name)));
      }
    });
  }

  // ---------------------------------------------------------------- Dockerfile

  @Test
  void dockerfileBuildsTheJarAndRunsItAsAnUnprivilegedUser() throws Exception {
    assertThat(dockerfile.buildStage()).as("build stage: the Maven wrapper, the repository's Maven version")
        .matches("(?s).*\\bRUN \\./mvnw\\b[^\\n]*\\bpackage\\b.*").contains("COPY .mvn ");
    assertThat(dockerfile.runtimeStage()).as("runtime stage base").startsWith("FROM eclipse-temurin:");
    assertThat(dockerfile.runtimeStage()).as("runtime image").contains("-jre");
    assertThat(dockerfile.jarPath()).as("jar copied from the build stage's " + JAR_IN_BUILD).isNotNull();
    List<String> expected = new ArrayList<>(List.of("java"));
    expected.addAll(JvmFlagsDoc.documentedFlags());
    expected.addAll(List.of("-jar", dockerfile.jarPath()));
    assertThat(dockerfile.entrypoint()).as("ENTRYPOINT: the documented JVM flags").containsExactlyElementsOf(expected);
    assertThat(dockerfile.user()).as("USER").isNotNull().isNotIn("root", "0", "root:root", "0:0");
    assertThat(dockerfile.runtimeStage()).as("capability to bind 443")
        .contains("setcap cap_net_bind_service=+ep").contains("libcap2-bin");
    assertThat(dockerfile.exposed()).contains(443, 9901);
  }

  // ---------------------------------------------------------------- commands

  @Test
  void everyServiceRunsThisImageWithACommandTheCliAccepts() {
    assertThat(services).isNotEmpty();
    for (Service s : services.values()) {
      assertThat(s.yaml().get("build")).as(s.name() + ": built from this Dockerfile").isEqualTo(".");
      int jar = s.argv().indexOf("-jar");
      assertThat(s.argv().subList(0, jar + 2)).as(s.name() + ": runs the jar as the image does")
          .containsExactlyElementsOf(dockerfile.entrypoint());
      if (s.cli() instanceof CommandLine.Run run) {
        assertThat(run.embeddedDefault()).as(s.name() + ": node config comes from GHOST_* only (no file in the image)")
            .isTrue();
      } else if (s.isSubcommand("sample-workload")) {
        SampleWorkload.parseArgs(s.subArgs());
      } else if (s.isSubcommand("dev-control-plane")) {
        DevControlPlaneCommand.parseArgs(s.subArgs());
      } else {
        fail(s.name() + ": runs " + s.cli() + ", which is neither a node nor a known subcommand");
      }
    }
    assertThat(services.values().stream().filter(Service::isIngress)).as("ingress nodes").hasSize(3);
    assertThat(workloads()).as("sample workloads").hasSize(2);
    assertThat(services.values().stream().filter(s -> s.isSubcommand("dev-control-plane"))).hasSize(1);
  }

  // ---------------------------------------------------------------- settings

  @Test
  void everyGhostVariableIsASettingAndEveryNodeConfigIsValid() {
    Set<String> known = Arrays.stream(Settings.values()).map(Settings::envVar).collect(Collectors.toSet());
    for (Service s : services.values()) {
      for (String name : s.env().keySet()) {
        if (name.startsWith("GHOST_")) {
          assertThat(known).as(s.name() + ": " + name + " is in Settings").contains(name);
        }
      }
      if (s.isIngress()) {
        IngressConfig c = nodeConfig(s);
        assertThat(c.nodeId()).as(s.name() + ": GHOST_NODE_ID").isEqualTo(s.env().get("GHOST_NODE_ID"));
      }
    }
    List<String> ids = ingress().stream().map(s -> nodeConfig(s).nodeId()).toList();
    assertThat(ids).as("node ids").doesNotHaveDuplicates();
  }

  @Test
  void nodesSyncFromTheComposeControlPlane() {
    Service cp = controlPlane();
    DevControlPlane.Options options = DevControlPlaneCommand.parseArgs(cp.subArgs());
    DevState state = controlPlaneState();
    for (Service s : ingress()) {
      IngressConfig.ControlPlane sync = nodeConfig(s).controlPlane();
      assertThat(sync.url()).as(s.name() + ": GHOST_CONTROL_PLANE_URL").isNotNull();
      URI url = URI.create(sync.url());
      assertThat(cp.hasAddress(url.getHost())).as(s.name() + ": control-plane URL host " + url.getHost()
          + " is the control-plane service's fixed address").isTrue();
      assertThat(url.getPort()).as(s.name() + ": control-plane URL port").isEqualTo(options.port());
      assertThat(sync.token()).as(s.name() + ": GHOST_API_TOKEN = the control plane's token")
          .isEqualTo(options.token() != null ? options.token() : state.token());
      assertThat(sync.orgId()).as(s.name() + ": GHOST_ORG_ID = the control plane's org")
          .isEqualTo(options.org() != null ? options.org() : state.org());
      String stateFile = nodeConfig(s).state().file();
      assertThat(mounts(s).values()).as(s.name() + ": GHOST_STATE_FILE " + stateFile + " is on a volume")
          .anyMatch(target -> stateFile.startsWith(target + "/"));
    }
    assertThat(isWildcard(options.host()) || cp.hasAddress(options.host()))
        .as("control plane listens where the nodes reach it").isTrue();
  }

  @Test
  void nodesFormOneClusterOnTheirFixedAddresses() {
    List<Service> nodes = ingress();
    Set<String> expected = new TreeSet<>();
    for (Service s : nodes) {
      IngressConfig.Cluster cluster = nodeConfig(s).cluster();
      assertThat(cluster.host()).as(s.name() + ": GHOST_CLUSTER_HOST").isNotNull();
      assertThat(s.hasAddress(cluster.host())).as(s.name() + ": GHOST_CLUSTER_HOST is its own fixed address")
          .isTrue();
      assertThat(s.env()).as(s.name()).containsKeys("GHOST_CLUSTER_PORT", "GHOST_EVENTBUS_PORT");
      assertThat(cluster.port()).as(s.name() + ": cluster port").isEqualTo(5701);
      assertThat(cluster.eventBusPort()).as(s.name() + ": event-bus port").isEqualTo(5702);
      // the shared secret: set, mounted from the repository's demo file, and a secret the node accepts
      assertThat(cluster.insecure()).as(s.name() + ": GHOST_CLUSTER_INSECURE").isFalse();
      assertThat(cluster.secretFile()).as(s.name() + ": GHOST_CLUSTER_SECRET_FILE").isNotNull();
      String source = mounts(s).entrySet().stream().filter(m -> m.getValue().equals(cluster.secretFile()))
          .map(Map.Entry::getKey).findFirst().orElse(null);
      assertThat(source).as(s.name() + ": GHOST_CLUSTER_SECRET_FILE is mounted from a file").isNotNull();
      Path onHost = ROOT.resolve(source);
      assertThat(dev.ghost.ingress.cluster.ClusterTrust.load(new IngressConfig.Cluster(cluster.members(),
          cluster.host(), cluster.port(), cluster.name(), cluster.eventBusPort(), onHost.toString(), false))
          .secured()).as(s.name() + ": " + onHost + " is a valid secret").isTrue();
      expected.add(canonical(cluster.host()) + ":" + cluster.port());
    }
    for (Service s : nodes) {
      Set<String> members = new TreeSet<>();
      for (String m : nodeConfig(s).cluster().members()) {
        HostPort hp = HostPort.parse(m);
        members.add(canonical(hp.host()) + ":" + hp.port());
      }
      assertThat(members).as(s.name() + ": GHOST_CLUSTER_MEMBERS = the three nodes' cluster addresses")
          .isEqualTo(expected);
    }
  }

  // ---------------------------------------------------------------- ports

  @Test
  void publishedPortsMatchTheListenAndAdminSettingsAndClusterPortsStayPrivate() {
    DevState state = controlPlaneState();
    for (Service s : ingress()) {
      IngressConfig c = nodeConfig(s);
      Set<Integer> serving = new TreeSet<>();
      for (HostPort hp : concat(c.listen().ipv6(), c.listen().ipv4())) {
        assertThat(isWildcard(hp.host()) || s.hasAddress(hp.host()))
            .as(s.name() + ": listener " + hp + " is reachable from outside the container").isTrue();
        serving.add(c.listen().bindPort(hp.port()));
      }
      for (DevState.Route r : state.routes().values()) {
        serving.add(c.listen().bindPort(r.listenPort()));
      }
      HostPort admin = c.admin().listen();
      assertThat(isWildcard(admin.host())).as(s.name() + ": GHOST_ADMIN_ADDR must be a wildcard to be published")
          .isTrue();
      assertThat(c.admin().token()).as(s.name() + ": an admin API reachable from outside has a token").isNotNull();
      Set<Integer> expected = new TreeSet<>(serving);
      expected.add(admin.port());
      Set<Integer> published = published(s).stream().map(Published::containerPort)
          .collect(Collectors.toCollection(TreeSet::new));
      assertThat(published).as(s.name() + ": published container ports = listener bind ports + admin port")
          .isEqualTo(expected);
      assertThat(dockerfile.exposed()).as("Dockerfile EXPOSE covers " + s.name()).containsAll(expected);
      Set<Integer> cluster = Set.of(c.cluster().port(), c.cluster().eventBusPort());
      assertThat(published).as(s.name() + ": cluster ports carry unauthenticated state and are never published")
          .doesNotContainAnyElementsOf(cluster);
      assertThat(exposeList(s)).as(s.name() + ": cluster ports not in expose either")
          .doesNotContainAnyElementsOf(cluster);
    }
    for (Service s : services.values()) {
      if (!s.isIngress() && !s.isSubcommand("dev-control-plane")) {
        assertThat(published(s)).as(s.name() + ": workloads are reached through the ingress only").isEmpty();
      }
    }
    List<Integer> hostPorts = allServices.keySet().stream().map(ComposeFileTest::addressed)
        .flatMap(s -> published(s).stream())
        .map(Published::hostPort).filter(p -> p != 0).toList();
    assertThat(hostPorts).as("host ports are distinct").doesNotHaveDuplicates();
  }

  // ---------------------------------------------------------------- addresses

  @Test
  void fixedAddressesAreUniqueAndInsideTheIpv6EnabledNetwork() {
    Map<String, Object> net = map(map(compose, "networks").get(network.name()), "networks." + network.name());
    assertThat(net.get("enable_ipv6")).as("enable_ipv6").isEqualTo(Boolean.TRUE);
    assertThat(network.subnets()).as("one IPv4 and one IPv6 subnet")
        .anyMatch(n -> n.base() instanceof Inet4Address).anyMatch(n -> n.base() instanceof Inet6Address);
    Set<InetAddress> seen = new HashSet<>();
    for (Service s : allServices.keySet().stream().map(ComposeFileTest::addressed).toList()) {
      for (InetAddress a : List.of(s.ipv4(), s.ipv6())) {
        assertThat(seen.add(a)).as(s.name() + ": " + a.getHostAddress() + " is unique").isTrue();
        Subnet subnet = network.subnets().stream().filter(n -> n.contains(a)).findFirst().orElse(null);
        assertThat(subnet).as(s.name() + ": " + a.getHostAddress() + " inside a declared subnet").isNotNull();
        assertThat(subnet.offset(a)).as(s.name() + ": " + a.getHostAddress()
            + " is neither the network address nor the default gateway").isGreaterThan(BigInteger.ONE);
      }
      assertThat(s.ipv4()).isInstanceOf(Inet4Address.class);
      assertThat(s.ipv6()).isInstanceOf(Inet6Address.class);
    }
  }

  // ---------------------------------------------------------------- control plane and workloads

  @Test
  void controlPlaneStateFileExistsParsesAndPointsAtTheWorkloads() {
    DevState state = controlPlaneState();
    Map<InetAddress, Service> byIpv6 = new LinkedHashMap<>();
    for (Service w : workloads()) {
      byIpv6.put(w.ipv6(), w);
    }
    Set<InetAddress> overlays = new HashSet<>();
    for (DevState.Instance i : state.instances().values()) {
      assertThat(i.overlayIpv6()).as(i.id() + ": overlay_ipv6").isNotNull();
      overlays.add(ip(i.overlayIpv6()));
    }
    assertThat(overlays).as("instances' overlay_ipv6 = the workloads' fixed IPv6 addresses")
        .isEqualTo(byIpv6.keySet());
    assertThat(state.routes()).as("routes").hasSizeGreaterThanOrEqualTo(2);
    Set<Service> served = new HashSet<>();
    for (DevState.Route r : state.routes().values()) {
      List<DevState.Instance> ready = state.instances().values().stream()
          .filter(i -> i.env().equals(r.env()) && i.processType().equals(r.processType())
              && i.status().equals("ready"))
          .toList();
      assertThat(ready).as(r.id() + ": has a ready instance").isNotEmpty();
      for (DevState.Instance i : ready) {
        Service w = byIpv6.get(ip(i.overlayIpv6()));
        SampleWorkload.Args args = SampleWorkload.parseArgs(w.subArgs());
        assertThat(args.listen()).as(r.id() + ": " + w.name() + " listens on backend_port " + r.backendPort())
            .anyMatch(hp -> hp.port() == r.backendPort()
                && (hp.host().equals("::") || ip(hp.host()).equals(w.ipv6())));
        assertThat(args.proxyProtocol()).as(r.id() + ": PROXY v2 on the route iff the workload expects it")
            .isEqualTo(r.backendExpectsProxyProtocol());
        served.add(w);
      }
    }
    assertThat(served).as("every workload is a route's backend").containsExactlyInAnyOrderElementsOf(workloads());
  }

  // ---------------------------------------------------------------- health, limits, start order

  @Test
  void dockerfileHealthcheckProbesReadinessOnTheDefaultAdminAddressWithCurlFromTheImage() {
    assertThat(dockerfile.healthcheck()).as("HEALTHCHECK in the runtime stage").isNotNull();
    Matcher cmd = Pattern.compile("(?s)^(.*?)\\bCMD\\s+(\\[.*])$").matcher(dockerfile.healthcheck());
    assertThat(cmd.matches()).as("HEALTHCHECK [options] CMD [exec form]: " + dockerfile.healthcheck()).isTrue();
    List<String> test = new ArrayList<>(List.of("CMD"));
    new JsonArray(cmd.group(2)).forEach(a -> test.add(String.valueOf(a)));
    URI probe = curlProbe("Dockerfile", test);
    HostPort admin = HostPort.parse(Settings.ADMIN_ADDR.defaultValue());
    assertThat(probe.getPath()).as("HEALTHCHECK probes readiness").isEqualTo("/readyz");
    assertThat(ip(probe.getHost())).as("HEALTHCHECK host = the default admin host").isEqualTo(ip(admin.host()));
    assertThat(probe.getPort()).as("HEALTHCHECK port = the default admin port").isEqualTo(admin.port());
    assertThat(dockerfile.runtimeStage()).as("the runtime stage installs the curl the HEALTHCHECK runs")
        .containsPattern("apt-get install[^;\\n]*\\bcurl\\b");
    assertThat(cmd.group(1)).as("HEALTHCHECK options").contains("--start-period=").contains("--timeout=");
  }

  @Test
  void everyNodeReportsReadinessOnItsAdminPortAndHasADescriptorLimitAndAStopGrace() {
    for (Service s : ingress()) {
      IngressConfig c = nodeConfig(s);
      URI probe = curlProbe(s.name(), healthcheck(s));
      HostPort admin = c.admin().listen();
      assertThat(probe.getPath()).as(s.name() + ": healthcheck probes readiness").isEqualTo("/readyz");
      assertThat(probe.getPort()).as(s.name() + ": healthcheck port = GHOST_ADMIN_ADDR's").isEqualTo(admin.port());
      assertThat(ip(probe.getHost()).isLoopbackAddress()).as(s.name() + ": healthcheck from inside: loopback")
          .isTrue();
      assertThat(isWildcard(admin.host()) || ip(admin.host()).equals(ip(probe.getHost())))
          .as(s.name() + ": the admin API listens where the healthcheck probes").isTrue();
      Map<String, Object> nofile = map(map(s.yaml().get("ulimits"), s.name() + ".ulimits").get("nofile"),
          s.name() + ".ulimits.nofile");
      long soft = Long.parseLong(String.valueOf(nofile.get("soft")));
      long hard = Long.parseLong(String.valueOf(nofile.get("hard")));
      assertThat(hard).as(s.name() + ": nofile hard >= soft").isGreaterThanOrEqualTo(soft);
      assertThat(ConnectionLimits.fromOpenFileLimit(soft)).as(s.name() + ": connections the soft nofile allows")
          .isGreaterThanOrEqualTo(10_000);
      assertThat(Durations.parse(String.valueOf(s.yaml().get("stop_grace_period"))))
          .as(s.name() + ": stop_grace_period above GHOST_SHUTDOWN_TIMEOUT (a stop drains before SIGKILL)")
          .isGreaterThan(c.proxy().shutdownTimeout());
    }
  }

  @Test
  void controlPlaneAndWorkloadsHaveHealthchecksThatProbeWhatTheyServe() {
    Service cp = controlPlane();
    DevControlPlane.Options options = DevControlPlaneCommand.parseArgs(cp.subArgs());
    URI probe = curlProbe(cp.name(), healthcheck(cp));
    assertThat(probe.getPath()).as("control-plane healthcheck").isEqualTo("/healthz");
    assertThat(probe.getPort()).as("control-plane healthcheck port = --listen's").isEqualTo(options.port());
    assertThat(ip(probe.getHost()).isLoopbackAddress()).as("control-plane healthcheck on loopback").isTrue();
    assertThat(isWildcard(options.host())).as("the control plane listens on loopback too").isTrue();
    Pattern tcp = Pattern.compile("/dev/tcp/([^/\\s]+)/(\\d+)");
    for (Service w : workloads()) {
      Matcher m = tcp.matcher(String.join(" ", healthcheck(w)));
      assertThat(m.find()).as(w.name() + ": a TCP connect check (the workload expects PROXY v2 first)").isTrue();
      int port = Integer.parseInt(m.group(2));
      assertThat(ip(m.group(1)).isLoopbackAddress()).as(w.name() + ": healthcheck on loopback").isTrue();
      assertThat(SampleWorkload.parseArgs(w.subArgs()).listen()).as(w.name() + ": listens where it is probed")
          .anyMatch(hp -> hp.port() == port && isWildcard(hp.host()));
    }
  }

  @Test
  void servicesStartOnceWhatTheyDependOnIsHealthyAndCoreServicesNeedNoProfile() {
    for (Service s : ingress()) {
      Map<String, Object> deps = map(s.yaml().get("depends_on"), s.name() + ".depends_on (long form)");
      Set<String> expected = new TreeSet<>(workloads().stream().map(Service::name).toList());
      expected.add(controlPlane().name());
      assertThat(deps.keySet()).as(s.name() + ": waits for the control plane and the workloads")
          .containsExactlyInAnyOrderElementsOf(expected);
      deps.forEach((dep, how) -> assertThat(map(how, s.name() + ".depends_on." + dep).get("condition"))
          .as(s.name() + " -> " + dep).isEqualTo("service_healthy"));
    }
    allServices.forEach((name, yaml) -> {
      Object deps = yaml.get("depends_on");
      if (deps == null) {
        return;
      }
      map(deps, name + ".depends_on (long form)").forEach((dep, how) -> {
        assertThat(allServices).as(name + " -> " + dep + ": a service").containsKey(dep);
        Object condition = map(how, name + ".depends_on." + dep).get("condition");
        if ("service_healthy".equals(condition)) {
          assertThat(allServices.get(dep)).as(name + " waits for " + dep + " to be healthy: it has a healthcheck")
              .containsKey("healthcheck");
        }
        if (!yaml.containsKey("profiles")) {
          assertThat(allServices.get(dep)).as(name + " (no profile) must not need " + dep + " of a profile")
              .doesNotContainKey("profiles");
        }
      });
    });
  }

  @Test
  void observabilityProfileScrapesEveryNodeAndShowsTheDashboard() throws Exception {
    Map<String, Service> profile = new TreeMap<>();
    allServices.forEach((name, yaml) -> {
      if (yaml.containsKey("profiles")) {
        assertThat(strings(yaml.get("profiles"), name + ".profiles")).as(name + ": profiles")
            .containsExactly("observability");
        profile.put(name, addressed(name));
      }
    });
    assertThat(profile.keySet()).as("observability profile").containsExactly("grafana", "prometheus");
    Service prometheus = profile.get("prometheus");
    Service grafana = profile.get("grafana");
    assertThat(String.valueOf(prometheus.yaml().get("image"))).matches("prom/prometheus:v[0-9.]+");
    assertThat(String.valueOf(grafana.yaml().get("image"))).matches("grafana/grafana:[0-9.]+");

    // Prometheus: the image's default config path, from deploy/prometheus; scrapes every node's admin port
    Path promDir = mountedFrom(prometheus, "/etc/prometheus");
    assertThat(ROOT.relativize(promDir).toString()).isEqualTo("deploy/prometheus");
    Map<String, Object> config = yaml(promDir.resolve("prometheus.yml"));
    for (String rules : strings(config.get("rule_files"), "rule_files")) {
      assertThat(promDir.resolve(rules)).as("rule file " + rules).isRegularFile();
    }
    List<?> jobs = list(config.get("scrape_configs"), "scrape_configs");
    assertThat(jobs).as("one scrape job").hasSize(1);
    Map<String, Object> job = map(jobs.get(0), "scrape_configs[0]");
    Map<String, String> targets = new TreeMap<>();
    for (Object o : list(job.get("static_configs"), "static_configs")) {
      Map<String, Object> sc = map(o, "static_configs[]");
      Object instance = sc.get("labels") == null ? null : map(sc.get("labels"), "labels").get("instance");
      for (String t : strings(sc.get("targets"), "targets")) {
        HostPort hp = HostPort.parse(t);
        targets.put(canonical(hp.host()) + ":" + hp.port(), String.valueOf(instance));
      }
    }
    Map<String, String> expected = new TreeMap<>();
    for (Service s : ingress()) {
      // an IP literal: the admin API refuses other Host names (DNS rebinding), and Prometheus sends the target
      expected.put(s.ipv4().getHostAddress() + ":" + nodeConfig(s).admin().listen().port(),
          nodeConfig(s).nodeId());
    }
    assertThat(targets).as("scrape targets (fixed address:admin port -> instance = node id)").isEqualTo(expected);
    String alerts = Files.readString(promDir.resolve("alerts.yml"));
    Matcher jobSelector = Pattern.compile("job=\"([^\"]*)\"").matcher(alerts);
    Set<String> selected = new TreeSet<>();
    while (jobSelector.find()) {
      selected.add(jobSelector.group(1));
    }
    assertThat(selected).as("alerts.yml selects the scrape job").containsExactly(String.valueOf(job.get("job_name")));

    // Grafana: Prometheus as the default data source, the dashboard where the provider reads it
    Map<String, Object> datasources = yaml(only(mountedFrom(grafana, "/etc/grafana/provisioning/datasources")));
    Map<String, Object> ds = map(list(datasources.get("datasources"), "datasources").get(0), "datasources[0]");
    assertThat(ds).containsEntry("type", "prometheus").containsEntry("isDefault", true);
    URI url = URI.create(String.valueOf(ds.get("url")));
    assertThat(url.getHost()).as("data source = the prometheus service").isEqualTo("prometheus");
    assertThat(url.getPort()).isEqualTo(published(prometheus).get(0).containerPort());
    Map<String, Object> providers = yaml(only(mountedFrom(grafana, "/etc/grafana/provisioning/dashboards")));
    String path = String.valueOf(map(map(list(providers.get("providers"), "providers").get(0), "providers[0]")
        .get("options"), "options").get("path"));
    Path dashboard = mountedFrom(grafana, path + "/ghost-ingress.json");
    assertThat(ROOT.relativize(dashboard).toString()).isEqualTo("deploy/grafana/ghost-ingress.json");
    assertThat(new JsonObject(Files.readString(dashboard)).getString("uid")).isNotBlank();
    Map<String, Object> genv = map(grafana.yaml().get("environment"), "grafana.environment");
    assertThat(genv.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")).as("home dashboard")
        .isEqualTo(path + "/ghost-ingress.json");
  }

  /** The healthcheck's {@code test} of a service, in exec form ({@code CMD} first). */
  private static List<String> healthcheck(Service s) {
    Map<String, Object> h = map(s.yaml().get("healthcheck"), s.name() + ".healthcheck");
    List<String> test = strings(h.get("test"), s.name() + ".healthcheck.test");
    assertThat(test.get(0)).as(s.name() + ": healthcheck test in exec form").isEqualTo("CMD");
    assertThat(h).as(s.name() + ": healthcheck timing").containsKeys("interval", "timeout", "retries");
    return test;
  }

  /** The URL a {@code curl} healthcheck requests; curl must fail on HTTP errors ({@code -f}). */
  private static URI curlProbe(String who, List<String> test) {
    assertThat(test.get(1)).as(who + ": healthcheck runs curl").isEqualTo("curl");
    assertThat(test.subList(2, test.size())).as(who + ": curl -f (an HTTP error fails the check)")
        .anyMatch(a -> a.matches("-[a-zA-Z]*f[a-zA-Z]*") || a.equals("--fail"));
    return URI.create(test.get(test.size() - 1));
  }

  /** The host path (file or directory) that {@code s} mounts at {@code target}. */
  private static Path mountedFrom(Service s, String target) {
    String source = mounts(s).entrySet().stream().filter(m -> m.getValue().equals(target)).map(Map.Entry::getKey)
        .findFirst().orElse(null);
    assertThat(source).as(s.name() + ": mounts a repository path at " + target).isNotNull().matches("\\./.*");
    Path p = ROOT.resolve(source).normalize();
    assertThat(p).as(s.name() + ": " + source).exists();
    return p;
  }

  /** The one file of a directory. */
  private static Path only(Path dir) throws Exception {
    try (var files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).as(dir + ": one file").hasSize(1);
      return all.get(0);
    }
  }

  private static Map<String, Object> yaml(Path file) throws Exception {
    Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    return map(doc, file.toString());
  }

  // ---------------------------------------------------------------- parsing helpers

  private static Dockerfile parseDockerfile(String text) {
    List<String> instructions = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String t = line.strip();
      if (cur.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
        continue;
      }
      if (t.startsWith("#")) {
        continue; // comment inside a continuation
      }
      if (t.endsWith("\\")) {
        cur.append(t, 0, t.length() - 1).append(' ');
        continue;
      }
      cur.append(t);
      instructions.add(cur.toString());
      cur.setLength(0);
    }
    List<List<String>> stages = new ArrayList<>();
    for (String i : instructions) {
      if (i.regionMatches(true, 0, "FROM ", 0, 5)) {
        stages.add(new ArrayList<>());
      }
      assertThat(stages).as("Dockerfile starts with FROM").isNotEmpty();
      stages.get(stages.size() - 1).add(i);
    }
    assertThat(stages).as("multi-stage Dockerfile").hasSizeGreaterThanOrEqualTo(2);
    List<String> runtime = stages.get(stages.size() - 1);
    String buildName = stages.get(0).get(0).replaceFirst("(?i)^FROM\\s+\\S+\\s+AS\\s+(\\S+)$", "$1");
    String jar = null;
    List<String> entrypoint = null;
    String user = null;
    String healthcheck = null;
    Set<Integer> exposed = new TreeSet<>();
    Pattern copy = Pattern.compile("(?i)^COPY\\s+--from=(\\S+)\\s+(\\S+)\\s+(\\S+)$");
    for (String i : runtime) {
      Matcher m = copy.matcher(i);
      if (m.matches() && m.group(1).equals(buildName) && m.group(2).endsWith("/" + JAR_IN_BUILD)) {
        jar = m.group(3);
      } else if (i.regionMatches(true, 0, "ENTRYPOINT ", 0, 11)) {
        entrypoint = new JsonArray(i.substring(11).strip()).stream().map(String::valueOf).toList();
      } else if (i.regionMatches(true, 0, "HEALTHCHECK ", 0, 12)) {
        healthcheck = i.substring(12).strip();
      } else if (i.regionMatches(true, 0, "USER ", 0, 5)) {
        user = i.substring(5).strip();
      } else if (i.regionMatches(true, 0, "EXPOSE ", 0, 7)) {
        for (String p : i.substring(7).strip().split("\\s+")) {
          exposed.add(Integer.parseInt(p.replaceFirst("/tcp$", "")));
        }
      }
    }
    return new Dockerfile(String.join("\n", stages.get(0)), String.join("\n", runtime), jar, entrypoint, user,
        exposed, healthcheck);
  }

  private static Network parseNetwork() {
    Map<String, Object> networks = map(compose, "networks");
    assertThat(networks).as("one network").hasSize(1);
    String name = networks.keySet().iterator().next();
    Map<String, Object> ipam = map(map(networks.get(name), name), "ipam");
    List<Subnet> subnets = new ArrayList<>();
    for (Object o : list(ipam.get("config"), "ipam.config")) {
      String cidr = (String) map(o, "ipam.config[]").get("subnet");
      int slash = cidr.indexOf('/');
      subnets.add(new Subnet(ip(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1))));
    }
    return new Network(name, subnets);
  }

  private static Service parseService(String name, Map<String, Object> yaml) {
    List<String> argv = new ArrayList<>(yaml.containsKey("entrypoint")
        ? strings(yaml.get("entrypoint"), name + ".entrypoint") : dockerfile.entrypoint());
    if (yaml.containsKey("command")) {
      argv.addAll(strings(yaml.get("command"), name + ".command"));
    }
    int jar = argv.indexOf("-jar");
    assertThat(jar).as(name + ": argv runs a jar: " + argv).isPositive().isLessThan(argv.size() - 1);
    CommandLine cli = CommandLine.parse(argv.subList(jar + 2, argv.size()).toArray(String[]::new));
    Map<String, String> env = new TreeMap<>();
    Object e = yaml.get("environment");
    if (e instanceof Map<?, ?> m) {
      m.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    } else if (e != null) {
      for (String kv : strings(e, name + ".environment")) {
        int eq = kv.indexOf('=');
        env.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
      }
    }
    Map<String, Object> nets = map(yaml.get("networks"), name + ".networks");
    Map<String, Object> on = map(nets.get(network.name()), name + ".networks." + network.name());
    assertThat(on).as(name + ": fixed addresses").containsKeys("ipv4_address", "ipv6_address");
    return new Service(name, yaml, argv, cli, env, ip(String.valueOf(on.get("ipv4_address"))),
        ip(String.valueOf(on.get("ipv6_address"))));
  }

  /** A service of any image with its fixed addresses (no command: {@code argv} empty, {@code cli} null). */
  private static Service addressed(String name) {
    Service built = services.get(name);
    if (built != null) {
      return built;
    }
    Map<String, Object> yaml = allServices.get(name);
    Map<String, Object> nets = map(yaml.get("networks"), name + ".networks");
    Map<String, Object> on = map(nets.get(network.name()), name + ".networks." + network.name());
    assertThat(on).as(name + ": fixed addresses").containsKeys("ipv4_address", "ipv6_address");
    return new Service(name, yaml, List.of(), null, Map.of(), ip(String.valueOf(on.get("ipv4_address"))),
        ip(String.valueOf(on.get("ipv6_address"))));
  }

  /** A node's configuration from its environment alone, as the entrypoint without --config builds it. */
  private static IngressConfig nodeConfig(Service s) {
    try {
      return ConfigLoader.fromJson(new JsonObject(), s.env(), "compose", s::name);
    } catch (ConfigException e) {
      throw new AssertionError(s.name() + ": " + e.oneLine(), e);
    }
  }

  private static DevState controlPlaneState() {
    Service cp = controlPlane();
    Path inContainer = DevControlPlaneCommand.parseArgs(cp.subArgs()).stateFile();
    String source = mounts(cp).entrySet().stream().filter(en -> Path.of(en.getValue()).equals(inContainer))
        .map(Map.Entry::getKey).findFirst().orElse(null);
    assertThat(source).as("control-plane: --state " + inContainer + " is bind-mounted from the repository")
        .isNotNull().matches("\\.{1,2}/.*");
    Path onHost = ROOT.resolve(source).normalize();
    assertThat(onHost).as("control-plane state file").isRegularFile();
    try {
      return DevStateFile.parse(Files.readString(onHost), ROOT.relativize(onHost).toString());
    } catch (Exception e) {
      throw new AssertionError("control-plane state file: " + e.getMessage(), e);
    }
  }

  /** Mount source (volume name or host path) to container path. */
  private static Map<String, String> mounts(Service s) {
    Map<String, String> out = new LinkedHashMap<>();
    Object v = s.yaml().get("volumes");
    if (v == null) {
      return out;
    }
    for (Object o : list(v, s.name() + ".volumes")) {
      if (o instanceof String str) {
        String[] parts = str.split(":");
        out.put(parts[0], parts[1]);
      } else {
        Map<String, Object> m = map(o, s.name() + ".volumes[]");
        out.put(String.valueOf(m.get("source")), String.valueOf(m.get("target")));
      }
    }
    return out;
  }

  private static final Pattern PORT = Pattern.compile(
      "^(?:(\\[[0-9a-fA-F:.]+]|[0-9.]+):)?(?:(\\d+):)?(\\d+)(?:/tcp)?$");

  private static List<Published> published(Service s) {
    List<Published> out = new ArrayList<>();
    Object v = s.yaml().get("ports");
    if (v == null) {
      return out;
    }
    for (Object o : list(v, s.name() + ".ports")) {
      if (o instanceof Map<?, ?> m) {
        Object published = m.get("published");
        out.add(new Published((String) m.get("host_ip"),
            published == null ? 0 : Integer.parseInt(String.valueOf(published)),
            Integer.parseInt(String.valueOf(m.get("target")))));
        continue;
      }
      Matcher m = PORT.matcher(String.valueOf(o));
      assertThat(m.matches()).as(s.name() + ": port '" + o + "' in [ip:]host:container form").isTrue();
      out.add(new Published(m.group(1), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3))));
    }
    return out;
  }

  private static List<Integer> exposeList(Service s) {
    Object v = s.yaml().get("expose");
    return v == null ? List.of() : strings(v, s.name() + ".expose").stream()
        .map(p -> Integer.parseInt(p.replaceFirst("/tcp$", ""))).toList();
  }

  private static List<Service> ingress() {
    return services.values().stream().filter(Service::isIngress).toList();
  }

  private static List<Service> workloads() {
    return services.values().stream().filter(s -> s.isSubcommand("sample-workload")).toList();
  }

  private static Service controlPlane() {
    return services.values().stream().filter(s -> s.isSubcommand("dev-control-plane")).findFirst()
        .orElseThrow(() -> new AssertionError("no dev-control-plane service"));
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  /** An IP literal (brackets allowed); never a DNS lookup. */
  private static InetAddress ip(String literal) {
    String s = literal.startsWith("[") && literal.endsWith("]") ? literal.substring(1, literal.length() - 1) : literal;
    assertThat(s).as("IP literal").matches("[0-9a-fA-F:.]+");
    try {
      return InetAddress.getByName(s);
    } catch (Exception e) {
      throw new AssertionError("not an IP literal: " + literal, e);
    }
  }

  private static String canonical(String host) {
    return ip(host).getHostAddress();
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String what) {
    assertThat(o).as(what + " is a mapping").isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  private static List<?> list(Object o, String what) {
    assertThat(o).as(what + " is a list").isInstanceOf(List.class);
    return (List<?>) o;
  }

  private static List<String> strings(Object o, String what) {
    if (o instanceof String s) {
      return List.of(s.trim().split("\\s+"));
    }
    return list(o, what).stream().map(String::valueOf).toList();
  }

  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    return map(parent.get(key), key);
  }
}
