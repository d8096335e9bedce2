/*
 * tlsload: small load client for the ghost ingress benchmark (bench/run.sh).
 *
 *   tlsload rate HOST PORT SECONDS WORKERS SNI[,SNI...] [--direct] [--resume]
 *     WORKERS threads, each in a loop until SECONDS have passed: TCP connect, full TLS handshake with SNI
 *     (no session resumption), "GET / HTTP/1.1" with "Connection: close", read to EOF, then check that the
 *     body is "<route> <own-address>:<own-port>" -- i.e. that the backend learned this very socket's address
 *     from the PROXY v2 header -- and close.  SNIs are used round robin; the route name expected in the body is
 *     the first label of the SNI ("localhost" for "localhost").  --direct sends the PROXY v2 header itself
 *     (to measure the backends without a proxy).  --resume resumes TLS sessions (tickets; run.sh does not use it,
 *     and its backends disable tickets).
 *     Prints one line: ok=N fail=N secs=S conn_per_s=R p50_ms=.. p99_ms=.. fail_connect=.. fail_tls=.. fail_io=.. fail_check=..
 *
 *   tlsload hold HOST PORT COUNT SECONDS SNI
 *     Opens COUNT connections (batches of 200), sends a TLS ClientHello on each and waits until the backend's
 *     first answer (ServerHello) is readable, which proves the connection is established end to end.  Then prints
 *     "held=N answered=M failed=K" and idles, never reading nor writing, until SECONDS have passed or SIGTERM.
 *
 * Only for loopback benchmarking; every loop is bounded by time or count.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage g_dst;
static socklen_t g_dstlen;
static SSL_CTX *g_ctx;
static char **g_snis;
static int g_nsnis;
static int g_direct;
static int g_resume;
static double g_deadline;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void resolve(const char *host, const char *port) {
  struct addrinfo hints = {0}, *res;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0) { fprintf(stderr, "tlsload: bad address %s:%s: %s\n", host, port, gai_strerror(rc)); exit(2); }
  memcpy(&g_dst, res->ai_addr, res->ai_addrlen);
  g_dstlen = res->ai_addrlen;
  freeaddrinfo(res);
}

/* "addr:port" of a socket address, the way nginx prints $proxy_protocol_addr:$proxy_protocol_port */
static void fmt_addr(const struct sockaddr_storage *ss, char *out, size_t n) {
  char ip[INET6_ADDRSTRLEN];
  int port;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const void *)ss;
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else {
    const struct sockaddr_in6 *a = (const void *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  snprintf(out, n, "%s:%d", ip, port);
}

/* PROXY v2 header for --direct: PROXY command, TCP over v4/v6, src = own socket, dst = destination */
static int proxy_v2(int fd, const struct sockaddr_storage *src) {
  static const unsigned char sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  unsigned char h[16 + 36];
  size_t len;
  memcpy(h, sig, 12);
  h[12] = 0x21;
  if (src->ss_family == AF_INET) {
    const struct sockaddr_in *s = (const void *)src, *d = (const void *)&g_dst;
    h[13] = 0x11; h[14] = 0; h[15] = 12;
    memcpy(h + 16, &s->sin_addr, 4); memcpy(h + 20, &d->sin_addr, 4);
    memcpy(h + 24, &s->sin_port, 2); memcpy(h + 26, &d->sin_port, 2);
    len = 28;
  } else {
    const struct sockaddr_in6 *s = (const void *)src, *d = (const void *)&g_dst;
    h[13] = 0x21; h[14] = 0; h[15] = 36;
    memcpy(h + 16, &s->sin6_addr, 16); memcpy(h + 32, &d->sin6_addr, 16);
    memcpy(h + 48, &s->sin6_port, 2); memcpy(h + 50, &d->sin6_port, 2);
    len = 52;
  }
  return write(fd, h, len) == (ssize_t)len ? 0 : -1;
}

enum { RES_OK, RES_CONNECT, RES_TLS, RES_IO, RES_CHECK, RES_N }; /* one_conn() result; fail[] is indexed by it */

typedef struct {
  int id;
  long ok, fail[RES_N];
  float *lat; /* ms per successful connection */
  SSL_SESSION *sess[64]; /* --resume: last session per SNI index */
  long nlat, caplat;
} worker_t;

static int open_socket(void) {
  int fd = socket(g_dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&g_dst, g_dstlen) != 0) { close(fd); return -1; }
  return fd;
}

static int one_conn(worker_t *w, int si) {
  const char *sni = g_snis[si];
  int fd = open_socket();
  if (fd < 0) return RES_CONNECT;
  struct sockaddr_storage me;
  socklen_t melen = sizeof me;
  getsockname(fd, (struct sockaddr *)&me, &melen);
  if (g_direct && proxy_v2(fd, &me) != 0) { close(fd); return RES_IO; }
  SSL *ssl = SSL_new(g_ctx);
  SSL_set_tlsext_host_name(ssl, sni);
  SSL_set_fd(ssl, fd);
  if (g_resume && w->sess[si]) SSL_set_session(ssl, w->sess[si]);
  int result = RES_IO;
  if (SSL_connect(ssl) != 1) { result = RES_TLS; goto out; }
  char req[256];
  int n = snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", sni);
  if (SSL_write(ssl, req, n) != n) { result = RES_IO; goto out; }
  char buf[4096];
  size_t got = 0;
  for (;;) {
    if (got >= sizeof buf - 1) break;
    int r = SSL_read(ssl, buf + got, (int)(sizeof buf - 1 - got));
    if (r <= 0) {
      int e = SSL_get_error(ssl, r);
      if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && r == 0)) break;
      if (e == SSL_ERROR_SSL && got > 0) break; /* unexpected EOF without close_notify after the body */
      result = RES_IO; goto out;
    }
    got += (size_t)r;
  }
  buf[got] = 0;
  if (g_resume && !SSL_session_reused(ssl)) {  /* keep the newest ticket of this SNI for the next connection */
    SSL_SESSION *s = SSL_get1_session(ssl);
    if (s) { if (w->sess[si]) SSL_SESSION_free(w->sess[si]); w->sess[si] = s; }
  }
  char *body = strstr(buf, "\r\n\r\n");
  if (!body || strncmp(buf, "HTTP/1.1 200", 12) != 0) { result = RES_CHECK; goto out; }
  body += 4;
  char want[128], addr[96];
  fmt_addr(&me, addr, sizeof addr);
  size_t lab = strcspn(sni, ".");
  snprintf(want, sizeof want, "%.*s %s\n", (int)lab, sni, addr);
  result = strcmp(body, want) == 0 ? RES_OK : RES_CHECK;
  if (result == RES_CHECK && w->fail[RES_CHECK] < 3) fprintf(stderr, "tlsload: check failed: want [%s] got [%s]\n", want, body);
out:
  if (result != RES_TLS) SSL_shutdown(ssl);
  SSL_free(ssl);
  close(fd);
  ERR_clear_error();
  return result;
}

static void *rate_worker(void *arg) {
  worker_t *w = arg;
  long i = w->id;
  while (now() < g_deadline) {
    double t0 = now();
    int r = one_conn(w, (int)(i++ % g_nsnis));
    if (r == RES_OK) {
      w->ok++;
      if (w->nlat == w->caplat) {
        w->caplat = w->caplat ? w->caplat * 2 : 65536;
        w->lat = realloc(w->lat, w->caplat * sizeof(float));
      }
      w->lat[w->nlat++] = (float)((now() - t0) * 1000.0);
    } else {
      w->fail[r]++;
      if (r == RES_CONNECT) usleep(1000);
    }
  }
  return NULL;
}

static int cmpf(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

static int cmd_rate(int argc, char **argv) {
  if (argc < 7) return 2;
  resolve(argv[2], argv[3]);
  double secs = atof(argv[4]);
  int nw = atoi(argv[5]);
  if (secs <= 0 || secs > 600 || nw < 1 || nw > 1024) { fprintf(stderr, "tlsload: bad duration/workers\n"); return 2; }
  char *list = strdup(argv[6]);
  g_snis = calloc(64, sizeof(char *));
  for (char *t = strtok(list, ","); t && g_nsnis < 64; t = strtok(NULL, ",")) g_snis[g_nsnis++] = t;
  for (int a = 7; a < argc; a++) {
    if (strcmp(argv[a], "--direct") == 0) g_direct = 1;
    else if (strcmp(argv[a], "--resume") == 0) g_resume = 1;
    else { fprintf(stderr, "tlsload: unknown option %s\n", argv[a]); return 2; }
  }
  worker_t *ws = calloc(nw, sizeof(worker_t));
  pthread_t *th = calloc(nw, sizeof(pthread_t));
  double t0 = now();
  g_deadline = t0 + secs;
  for (int i = 0; i < nw; i++) { ws[i].id = i; pthread_create(&th[i], NULL, rate_worker, &ws[i]); }
  for (int i = 0; i < nw; i++) pthread_join(th[i], NULL);
  double el = now() - t0;
  long ok = 0, f[RES_N] = {0}, nl = 0;
  for (int i = 0; i < nw; i++) { ok += ws[i].ok; for (int k = 0; k < RES_N; k++) f[k] += ws[i].fail[k]; nl += ws[i].nlat; }
  float *all = malloc((nl + 1) * sizeof(float));
  long p = 0;
  for (int i = 0; i < nw; i++) { memcpy(all + p, ws[i].lat, ws[i].nlat * sizeof(float)); p += ws[i].nlat; }
  qsort(all, nl, sizeof(float), cmpf);
  double p50 = nl ? all[(long)(nl * 0.50)] : 0, p99 = nl ? all[(long)(nl * 0.99)] : 0;
  long fail = f[RES_CONNECT] + f[RES_TLS] + f[RES_IO] + f[RES_CHECK];
  printf("ok=%ld fail=%ld secs=%.2f conn_per_s=%.0f p50_ms=%.2f p99_ms=%.2f fail_connect=%ld fail_tls=%ld fail_io=%ld fail_check=%ld\n",
         ok, fail, el, ok / el, p50, p99, f[RES_CONNECT], f[RES_TLS], f[RES_IO], f[RES_CHECK]);
  return 0;
}

static volatile sig_atomic_t g_stop;
static void on_term(int s) { (void)s; g_stop = 1; }

static int cmd_hold(int argc, char **argv) {
  if (argc < 7) return 2;
  resolve(argv[2], argv[3]);
  int count = atoi(argv[4]);
  double secs = atof(argv[5]);
  const char *sni = argv[6];
  if (count < 1 || count > 200000 || secs <= 0 || secs > 3600) { fprintf(stderr, "tlsload: bad count/seconds\n"); return 2; }
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  double deadline = now() + secs;
  int *fds = calloc(count, sizeof(int));
  SSL **ssls = calloc(count, sizeof(SSL *));
  int held = 0, answered = 0, failed = 0;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  const int batch = 200;
  for (int b = 0; b < count && !g_stop && now() < deadline; b += batch) {
    int end = b + batch < count ? b + batch : count, pending = 0;
    for (int i = b; i < end; i++) {
      int fd = open_socket();
      if (fd < 0) { fds[i] = -1; failed++; continue; }
      SSL *ssl = SSL_new(g_ctx);
      SSL_set_tlsext_host_name(ssl, sni);
      SSL_set_fd(ssl, fd);
      /* blocking socket: make SSL_connect return after writing the ClientHello by using a non-blocking fd */
      int flags = 1;
      ioctl(fd, FIONBIO, &flags);
      int r = SSL_connect(ssl);
      if (r != -1 || SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) { SSL_free(ssl); close(fd); fds[i] = -1; failed++; continue; }
      fds[i] = fd; ssls[i] = ssl; held++;
      struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
      pending++;
    }
    /* wait until every connection of the batch got the backend's first bytes (or 5 s) */
    double wdl = now() + 5;
    struct epoll_event evs[256];
    while (pending > 0 && now() < wdl && !g_stop) {
      int n = epoll_wait(ep, evs, 256, 100);
      for (int k = 0; k < n; k++) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fds[evs[k].data.u32], NULL);
        answered++; pending--;
      }
    }
    for (int i = b; i < end; i++) if (fds[i] >= 0) epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
  }
  printf("held=%d answered=%d failed=%d\n", held, answered, failed);
  fflush(stdout);
  while (!g_stop && now() < deadline) usleep(100000);
  for (int i = 0; i < count; i++) if (ssls[i]) { SSL_free(ssls[i]); close(fds[i]); }
  return 0;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  g_ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(g_ctx, SSL_VERIFY_NONE, NULL);        /* self-signed bench certificates */
  SSL_CTX_set_session_cache_mode(g_ctx, SSL_SESS_CACHE_OFF); /* no implicit cache: --resume sets sessions itself */
  int rc = 2;
  if (argc > 1 && strcmp(argv[1], "rate") == 0) rc = cmd_rate(argc, argv);
  else if (argc > 1 && strcmp(argv[1], "hold") == 0) rc = cmd_hold(argc, argv);
  if (rc == 2) fprintf(stderr, "usage: tlsload rate HOST PORT SECONDS WORKERS SNI[,SNI...] [--direct] [--resume]\n"
                               "       tlsload hold HOST PORT COUNT SECONDS SNI\n");
  return rc;
}
