# ghost ingress: container image (README, "Multi-node deployment").
#   docker build -t ghost-ingress:local .
#   docker run --rm ghost-ingress:local --help
# No container engine runs on the build machines, so this file has never been built there: ComposeFileTest reads it
# as text (the jar it copies is target/ingress.jar, the entrypoint runs it) together with docker-compose.yml.

# ---- build stage: the shaded, self-contained jar (target/ingress.jar), built with the Maven wrapper: the Maven
# version is the repository's (.mvn/wrapper/maven-wrapper.properties), the image only brings the JDK.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn ./.mvn
COPY src ./src
RUN ./mvnw -B -q -DskipTests package

# ---- runtime stage
FROM eclipse-temurin:17-jre

# Binding 443 as an unprivileged user: the java binary gets the file capability cap_net_bind_service (setcap, from
# libcap2-bin). A binary with file capabilities runs in secure-execution mode, in which the dynamic loader ignores
# the $ORIGIN entries of the java launcher's RPATH and then fails with "libjli.so: cannot open shared object file";
# listing the JDK's lib directory in ld.so.conf lets the loader find it through its trusted cache.
# The capability only takes effect while NET_BIND_SERVICE is in the container's bounding set (it is in Docker's
# default set; with `cap_drop: [ALL]` add `cap_add: [NET_BIND_SERVICE]`) and no_new_privs is off
# (`security_opt: [no-new-privileges:true]` disables file capabilities: java would then fail to start).
#
# Alternative without setcap: drop this RUN's setcap/ld.so.conf lines, give the container
# `cap_add: [NET_BIND_SERVICE]`, and have a launcher raise it as an ambient capability before switching to the
# unprivileged user (Docker does not raise ambient capabilities for a non-root USER by itself), e.g. start as root
# with the entrypoint
#   setpriv --reuid=ghost --regid=ghost --init-groups --inh-caps=+net_bind_service \
#           --ambient-caps=+net_bind_service -- java -jar /opt/ghost/ingress.jar
# Or avoid the capability altogether: the sysctl net.ipv4.ip_unprivileged_port_start (per network namespace, covers
# IPv6 too; Docker 20.10+ already sets it to 0 for containers with their own network namespace, Podman, Kubernetes
# and host networking do not), or GHOST_PORT_MAP=443=8443 with the published port mapped to 8443.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends libcap2-bin curl; \
    rm -rf /var/lib/apt/lists/*; \
    java_bin="$(readlink -f "$(command -v java)")"; \
    echo "$(dirname "$(dirname "$java_bin")")/lib" > /etc/ld.so.conf.d/ghost-java.conf; \
    ldconfig; \
    setcap cap_net_bind_service=+ep "$java_bin"; \
    getcap "$java_bin"; \
    groupadd --system --gid 10001 ghost; \
    useradd --system --uid 10001 --gid ghost --home-dir /var/lib/ghost --no-create-home \
        --shell /usr/sbin/nologin ghost; \
    mkdir -p /opt/ghost /var/lib/ghost; \
    chown ghost:ghost /var/lib/ghost

COPY --from=build /src/target/ingress.jar /opt/ghost/ingress.jar

# /var/lib/ghost holds the last-known-good state file (GHOST_STATE_FILE default /var/lib/ghost/ingress-state.json);
# a named volume mounted there starts out owned by ghost.
USER ghost:ghost
WORKDIR /var/lib/ghost
# The capability-bearing java must start as the unprivileged user (fails the build if the loader fix is missing).
RUN java -version

EXPOSE 443 9901
# Readiness (/readyz: 200 once listeners are bound and a route table is applied, 503 before and while draining) on
# the default admin address 127.0.0.1:9901; a node whose GHOST_ADMIN_ADDR has another port, or a specific address
# other than 127.0.0.1 or a wildcard, needs its own healthcheck (docker-compose.yml sets one per service).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "--max-time", "2", "http://127.0.0.1:9901/readyz"]
# JVM flags: "JVM settings" in docs/deployment.md, as written there (ComposeFileTest checks); -XX:MaxRAMPercentage
# sizes the heap from the container's memory limit.
ENTRYPOINT ["java","-XX:+UseSerialGC","-Xms16m","-XX:MaxRAMPercentage=50","-XX:TrimNativeHeapInterval=1000",\
    "-XX:CompileCommand=quiet","-XX:CompileCommand=CompileThresholdScaling,java/lang/invoke/*.*,20.0",\
    "-Dio.netty.jfr.enabled=false","-jar","/opt/ghost/ingress.jar"]
