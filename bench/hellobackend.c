/*
 * hellobackend: the backend behind the proxies in bench/run.sh's connection-rate and idle-memory sections.
 *
 *   hellobackend [--hold | --bye] [--lifetime SECS] --hello ROUTE=FILE [--hello ...]
 *                --listen ROUTE=ADDR:PORT [--listen ...]
 *
 * Per accepted connection it reads a PROXY protocol v2 header (12-byte signature, version 2, command PROXY,
 * TCP over IPv4 or IPv6, source address and port, TLVs walked by their length fields) -- or a v1 text header, the
 * only form nginx stream can send, counted apart -- then the TLS record(s) of one ClientHello (until the handshake
 * message's own length is covered), and compares those bytes with the fixture files.  Then it answers one line
 * and closes:
 *
 *   "ok ROUTE ADDR:PORT\n"   the hello is byte for byte the fixture of this listener's ROUTE; ADDR:PORT is the
 *                            source from the PROXY header ("127.0.0.1:54321", "[::1]:54321")
 *   "misrouted OTHER\n"      the hello is the fixture of route OTHER (the proxy picked the wrong backend)
 *   "bad-proxy\n"            no valid PROXY (v2, or v1 text) TCP header in front
 *   "bad-hello\n"            the bytes after the header are not exactly one of the fixtures
 *
 * The client (connrate) compares the line with its own socket's address, so a proxy that misroutes, mangles or
 * drops the PROXY header or the hello cannot score.  With --hold it answers and keeps the connection open until
 * the peer closes it (idle-memory section).  With --bye it waits after its answer for the client's "bye\n",
 * echoes it and closes (connrate --bye: checks that the proxy relays both ways once its relay is set up).
 * Single thread, epoll; the stats line ("accepted=... ok=...") goes to stdout on SIGUSR1 and at exit (SIGTERM,
 * SIGINT or after --lifetime seconds, default 7200).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELLOS 8
#define MAX_LISTENERS 16
#define MAX_PROXY_HDR (16 + 1024) /* more than 1 kB of TLVs is not something these proxies send: call it bad */
#define BUF_CAP 16384             /* PROXY header + the largest hello we accept; fixtures are ~0.3-2 kB */

enum { ST_FREE, ST_LISTEN, ST_READING, ST_BYE, ST_HELD };

typedef struct {
  char route[32];
  uint8_t *bytes;
  size_t len;
} fixture_t;

typedef struct {
  uint8_t state;
  uint8_t route; /* listener route index (for listeners and the connections they accepted) */
  uint16_t len;  /* bytes in buf */
  uint8_t *buf;  /* NULL while idle (held) */
} conn_t;

static fixture_t g_fix[MAX_HELLOS];
static int g_nfix;
static char g_routes[MAX_LISTENERS][32];
static int g_nroutes;
static int g_hold, g_bye;
static conn_t *g_conns; /* indexed by fd */
static int g_maxfd;
static int g_ep;

static struct {
  unsigned long accepted, proxy_v1, proxy_v2, ok, bye_ok, bye_bad, misrouted, bad_proxy, bad_hello;
  unsigned long early_eof, empty, reset, held_closed, emfile;
  uint8_t tlv_seen[256];
} g_st;

static volatile sig_atomic_t g_stop, g_dump;
static void on_stop(int s) { (void)s; g_stop = 1; }
static void on_dump(int s) { (void)s; g_dump = 1; }

static void die(const char *what) {
  perror(what);
  exit(2);
}

/* ------------------------------------------------------------------ PROXY v2 and ClientHello parsing */

/* Checks that the TLVs after the address block exactly fill the rest of the header; records which types came. */
static int tlvs_ok(const uint8_t *p, size_t n) {
  while (n >= 3) {
    size_t l = (size_t)p[1] << 8 | p[2];
    if (3 + l > n) return 0;
    g_st.tlv_seen[p[0]] = 1;
    p += 3 + l;
    n -= 3 + l;
  }
  return n == 0;
}

/* Formats the source address+port of an address block the way connrate prints its own socket name. */
static void fmt_source(int family, const uint8_t *addr, const uint8_t *port, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN];
  inet_ntop(family, addr, ip, sizeof ip);
  int p = port[0] << 8 | port[1];
  if (family == AF_INET6) snprintf(out, cap, "[%s]:%d", ip, p);
  else snprintf(out, cap, "%s:%d", ip, p);
}

/* Length of the PROXY v2 header at b[0..n): > 0 when complete (source written to src), 0 when more bytes are
 * needed, -1 when it is not a PROXY v2 TCP header.  LOCAL (health-check) headers give source "local". */
static int parse_proxy_v2(const uint8_t *b, size_t n, char *src, size_t cap) {
  static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  if (memcmp(b, sig, n < 12 ? n : 12) != 0) return -1; /* reject early: no need to wait for 16 bytes */
  if (n < 16) return 0;
  int version = b[12] >> 4, command = b[12] & 0x0F;
  size_t len = (size_t)b[14] << 8 | b[15];
  if (version != 2 || command > 1 || 16 + len > MAX_PROXY_HDR) return -1;
  if (n < 16 + len) return 0;
  if (command == 0) {
    snprintf(src, cap, "local");
    return (int)(16 + len);
  }
  size_t alen;
  if (b[13] == 0x11) { /* TCP over IPv4: src(4) dst(4) sport(2) dport(2) */
    alen = 12;
    if (len < alen) return -1;
    fmt_source(AF_INET, b + 16, b + 24, src, cap);
  } else if (b[13] == 0x21) { /* TCP over IPv6: src(16) dst(16) sport(2) dport(2) */
    alen = 36;
    if (len < alen) return -1;
    fmt_source(AF_INET6, b + 16, b + 48, src, cap);
  } else {
    return -1;
  }
  return tlvs_ok(b + 16 + alen, len - alen) ? (int)(16 + len) : -1;
}

/* PROXY v1 ("PROXY TCP4 SRC DST SPORT DPORT\r\n", at most 107 bytes): nginx stream's proxy_protocol can only send
 * this text form, so it is accepted too and counted apart (proxy_v1=).  Same return values as parse_proxy_v2. */
static int parse_proxy_v1(const uint8_t *b, size_t n, char *src, size_t cap) {
  static const char prefix[] = "PROXY ";
  if (memcmp(b, prefix, n < 6 ? n : 6) != 0) return -1;
  const uint8_t *crlf = n > 1 ? memmem(b, n < 107 ? n : 107, "\r\n", 2) : NULL;
  if (!crlf) return n >= 107 ? -1 : 0;
  char line[108], proto[8], s[64], d[64];
  unsigned sport, dport;
  int used = 0;
  snprintf(line, sizeof line, "%.*s", (int)(crlf - b), (const char *)b);
  if (sscanf(line, "PROXY %7s %63s %63s %u %u%n", proto, s, d, &sport, &dport, &used) != 5 ||
      line[used] != 0 || sport > 65535 || dport > 65535)
    return -1;
  int family = strcmp(proto, "TCP4") == 0 ? AF_INET : strcmp(proto, "TCP6") == 0 ? AF_INET6 : 0;
  uint8_t addr[16], port[2] = {(uint8_t)(sport >> 8), (uint8_t)sport}, daddr[16];
  if (!family || inet_pton(family, s, addr) != 1 || inet_pton(family, d, daddr) != 1) return -1;
  fmt_source(family, addr, port, src, cap); /* canonical text, so that it compares equal to connrate's */
  return (int)(crlf + 2 - b);
}

/* Either PROXY header version (which one: *version). */
static int parse_proxy(const uint8_t *b, size_t n, char *src, size_t cap, int *version) {
  *version = b[0] == 'P' ? 1 : 2;
  return *version == 1 ? parse_proxy_v1(b, n, src, cap) : parse_proxy_v2(b, n, src, cap);
}

/* Length of the TLS handshake records at b[0..n) that carry one whole ClientHello: > 0 when complete, 0 when
 * more bytes are needed, -1 when these are not handshake records starting with a ClientHello.  The hello may be
 * split over several records, so the handshake header's 24-bit length (not the record length) says when it ends. */
static long parse_hello(const uint8_t *b, size_t n) {
  size_t pos = 0, got = 0;
  uint8_t hs[4];
  for (;;) {
    if (n - pos < 5) return 0;
    if (b[pos] != 0x16 || b[pos + 1] != 3) return -1;
    size_t rlen = (size_t)b[pos + 3] << 8 | b[pos + 4];
    if (rlen == 0 || rlen > 16384) return -1;
    if (n - pos - 5 < rlen) return 0;
    for (size_t i = 0; i < rlen && got + i < 4; i++) hs[got + i] = b[pos + 5 + i];
    got += rlen;
    pos += 5 + rlen;
    if (got >= 4) {
      if (hs[0] != 1) return -1;
      size_t need = 4 + ((size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3]);
      if (got >= need) return (long)pos;
    }
  }
}

/* Index of the fixture that is byte for byte equal to b[0..n), or -1. */
static int match_fixture(const uint8_t *b, size_t n) {
  for (int i = 0; i < g_nfix; i++)
    if (g_fix[i].len == n && memcmp(g_fix[i].bytes, b, n) == 0) return i;
  return -1;
}

/* ------------------------------------------------------------------ connections */

static void close_conn(int fd) {
  free(g_conns[fd].buf);
  g_conns[fd] = (conn_t){0};
  close(fd); /* also removes it from the epoll set */
}

/* Sends the verdict line; closes unless the hello was right and --hold (the connection then idles, bufferless)
 * or --bye (it then waits for the client's "bye\n"). */
static void answer(int fd, const char *line, int ok) {
  (void)!send(fd, line, strlen(line), MSG_NOSIGNAL); /* ~40 bytes into an empty socket buffer: no short write */
  if (ok && g_bye) {
    g_conns[fd].state = ST_BYE;
    g_conns[fd].len = 0;
    return;
  }
  if (!ok || !g_hold) {
    close_conn(fd);
    return;
  }
  free(g_conns[fd].buf);
  g_conns[fd].buf = NULL;
  g_conns[fd].state = ST_HELD;
}

/* Parses what has arrived so far; answers once the PROXY header and the whole hello are in. */
static void check_request(int fd) {
  conn_t *c = &g_conns[fd];
  char src[64], line[160];
  int version, hlen = parse_proxy(c->buf, c->len, src, sizeof src, &version);
  if (hlen < 0) { g_st.bad_proxy++; answer(fd, "bad-proxy\n", 0); return; }
  if (hlen == 0) return;
  long tlen = parse_hello(c->buf + hlen, c->len - hlen);
  if (tlen < 0 || (tlen == 0 && c->len == BUF_CAP)) { g_st.bad_hello++; answer(fd, "bad-hello\n", 0); return; }
  if (tlen == 0) return;
  if (version == 1) g_st.proxy_v1++; /* counted once the request is complete: it is parsed again on every read */
  else g_st.proxy_v2++;
  int f = match_fixture(c->buf + hlen, (size_t)tlen);
  if (f < 0) { g_st.bad_hello++; answer(fd, "bad-hello\n", 0); return; }
  if (strcmp(g_fix[f].route, g_routes[c->route]) != 0) {
    g_st.misrouted++;
    snprintf(line, sizeof line, "misrouted %s\n", g_fix[f].route);
    answer(fd, line, 0);
    return;
  }
  g_st.ok++;
  snprintf(line, sizeof line, "ok %s %s\n", g_routes[c->route], src);
  answer(fd, line, 1);
}

/* --bye: the client's "bye\n" came through the proxy's relay after our answer; echo it and close. */
static void check_bye(int fd) {
  conn_t *c = &g_conns[fd];
  if (c->len < 4 && memchr(c->buf, '\n', c->len) == NULL) return;
  int ok = c->len == 4 && memcmp(c->buf, "bye\n", 4) == 0;
  if (ok) g_st.bye_ok++;
  else g_st.bye_bad++;
  (void)!send(fd, ok ? "bye\n" : "bad-bye\n", ok ? 4 : 8, MSG_NOSIGNAL);
  close_conn(fd);
}

static void on_readable(int fd) {
  conn_t *c = &g_conns[fd];
  if (c->state == ST_HELD) { /* the only thing a held connection should ever see is its end */
    char tmp[512];
    ssize_t n = recv(fd, tmp, sizeof tmp, 0);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) return;
    g_st.held_closed++;
    close_conn(fd);
    return;
  }
  ssize_t n = recv(fd, c->buf + c->len, BUF_CAP - c->len, 0);
  if (n > 0) {
    c->len += (uint16_t)n;
    if (c->state == ST_BYE) check_bye(fd);
    else check_request(fd);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (c->state == ST_BYE) g_st.bye_bad++; /* ended before its "bye" */
  else if (n == 0 && c->len == 0) g_st.empty++; /* connect + close without a byte, e.g. a TCP health check */
  else if (n == 0) g_st.early_eof++;
  else g_st.reset++;
  close_conn(fd);
}

static void on_acceptable(int lfd) {
  for (int i = 0; i < 64; i++) { /* bounded batch: keep serving readable connections in between */
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) g_st.emfile++;
      return;
    }
    if (fd >= g_maxfd) { close(fd); g_st.emfile++; continue; }
    g_st.accepted++;
    g_conns[fd] = (conn_t){.state = ST_READING, .route = g_conns[lfd].route, .buf = malloc(BUF_CAP)};
    if (!g_conns[fd].buf) die("malloc");
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  }
}

/* ------------------------------------------------------------------ set-up */

static void load_fixture(const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof g_fix[0].route || g_nfix == MAX_HELLOS) {
    fprintf(stderr, "hellobackend: bad --hello %s (want ROUTE=FILE)\n", spec);
    exit(2);
  }
  fixture_t *f = &g_fix[g_nfix++];
  memcpy(f->route, spec, (size_t)(eq - spec));
  FILE *in = fopen(eq + 1, "rb");
  if (!in) die(eq + 1);
  f->bytes = malloc(BUF_CAP);
  f->len = fread(f->bytes, 1, BUF_CAP, in);
  fclose(in);
  if (f->len == 0 || parse_hello(f->bytes, f->len) != (long)f->len) {
    fprintf(stderr, "hellobackend: %s is not exactly one ClientHello in TLS records\n", eq + 1);
    exit(2);
  }
}

/* ROUTE=ADDR:PORT, ADDR being 127.0.0.1 or [::1] (any numeric address) */
static void open_listener(const char *spec) {
  char host[64];
  const char *eq = strchr(spec, '='), *colon = strrchr(spec, ':');
  if (!eq || !colon || colon < eq || (size_t)(eq - spec) >= sizeof g_routes[0] || g_nroutes == MAX_LISTENERS ||
      (size_t)(colon - eq - 1) >= sizeof host) {
    fprintf(stderr, "hellobackend: bad --listen %s (want ROUTE=ADDR:PORT)\n", spec);
    exit(2);
  }
  int r;
  for (r = 0; r < g_nroutes && strncmp(g_routes[r], spec, (size_t)(eq - spec)) != 0; r++) {}
  if (r == g_nroutes) memcpy(g_routes[g_nroutes++], spec, (size_t)(eq - spec));
  snprintf(host, sizeof host, "%.*s", (int)(colon - eq - 1), eq + 1);
  char *h = host;
  if (h[0] == '[') { h++; h[strlen(h) - 1] = 0; }
  struct sockaddr_storage ss = {0};
  socklen_t len;
  struct sockaddr_in *a4 = (void *)&ss;
  struct sockaddr_in6 *a6 = (void *)&ss;
  int port = atoi(colon + 1);
  if (inet_pton(AF_INET, h, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    len = sizeof *a4;
  } else if (inet_pton(AF_INET6, h, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    len = sizeof *a6;
  } else {
    fprintf(stderr, "hellobackend: bad address in %s\n", spec);
    exit(2);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) die(spec);
  if (listen(fd, 4096) != 0) die("listen"); /* the kernel caps it at somaxconn */
  g_conns[fd] = (conn_t){.state = ST_LISTEN, .route = (uint8_t)r};
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
  if (epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
}

static void print_stats(void) {
  printf("accepted=%lu proxy_v1=%lu proxy_v2=%lu ok=%lu bye_ok=%lu bye_bad=%lu misrouted=%lu bad_proxy=%lu "
         "bad_hello=%lu early_eof=%lu empty=%lu reset=%lu held_closed=%lu emfile=%lu tlv_types=",
         g_st.accepted, g_st.proxy_v1, g_st.proxy_v2, g_st.ok, g_st.bye_ok, g_st.bye_bad, g_st.misrouted,
         g_st.bad_proxy, g_st.bad_hello, g_st.early_eof, g_st.empty, g_st.reset, g_st.held_closed, g_st.emfile);
  const char *sep = "";
  for (int t = 0; t < 256; t++)
    if (g_st.tlv_seen[t]) { printf("%s0x%02x", sep, t); sep = ","; }
  printf("%s\n", *sep ? "" : "none");
  fflush(stdout);
}

static void usage(void) {
  fprintf(stderr, "usage: hellobackend [--hold | --bye] [--lifetime SECS] --hello ROUTE=FILE ...\n"
                  "                    --listen ROUTE=ADDR:PORT ...\n");
  exit(2);
}

int main(int argc, char **argv) {
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  g_maxfd = rl.rlim_cur > 1000000 ? 1000000 : (int)rl.rlim_cur;
  g_conns = calloc((size_t)g_maxfd, sizeof *g_conns);
  g_ep = epoll_create1(EPOLL_CLOEXEC);
  if (!g_conns || g_ep < 0) die("init");
  double lifetime = 7200;
  for (int i = 1; i < argc; i++) { /* fixtures first: listeners are opened after all arguments are read */
    if (strcmp(argv[i], "--hello") == 0 && i + 1 < argc) load_fixture(argv[++i]);
    else if (strcmp(argv[i], "--hold") == 0) g_hold = 1;
    else if (strcmp(argv[i], "--bye") == 0) g_bye = 1;
    else if (strcmp(argv[i], "--lifetime") == 0 && i + 1 < argc) lifetime = atof(argv[++i]);
    else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) i++;
    else usage();
  }
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--listen") == 0) open_listener(argv[++i]);
  if (g_nfix == 0 || g_nroutes == 0 || lifetime <= 0) usage();

  struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: a signal must wake epoll_wait */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_dump;
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct epoll_event evs[256];
  while (!g_stop) {
    int n = epoll_wait(g_ep, evs, 256, 1000);
    for (int k = 0; k < n; k++) {
      int fd = evs[k].data.fd;
      if (g_conns[fd].state == ST_LISTEN) on_acceptable(fd);
      else if (g_conns[fd].state != ST_FREE) on_readable(fd);
    }
    if (g_dump) { g_dump = 0; print_stats(); }
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec - t0.tv_sec > lifetime) break; /* never outlive the benchmark, even if orphaned */
  }
  print_stats();
  return 0;
}
