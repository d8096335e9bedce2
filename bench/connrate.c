/*
 * connrate: connection-rate load generator for bench/run.sh (loopback only).
 *
 *   connrate [options] HOST PORT
 *
 * Keeps CONCURRENCY connections in flight for DURATION seconds.  Per connection: non-blocking connect to
 * HOST:PORT, send one captured ClientHello (byte for byte what a real client sent; the TLS handshake is never
 * completed), read the backend's one-line answer, check it, wait for the end of the stream, close, start the next.
 * The hellos given with -H alternate from one connection to the next.
 *
 * The answer comes from bench/hellobackend and must be exactly "ok ROUTE ADDR:PORT\n": ROUTE is the route of the
 * hello that was sent (the backend of the right route got it, byte for byte) and ADDR:PORT is this socket's own
 * address (getsockname) as the backend read it from the proxy's PROXY header.
 *
 * Options:
 *   -H, --hello ROUTE=FILE     a ClientHello fixture and the route it must reach (repeat; at least one)
 *   -d, --duration SECS        how long new connections are started (default 5; max 3600)
 *   -c, --concurrency N        connections in flight (default 64); with --rate, the most in flight
 *   -R, --rate N               open loop: start N connections a second (spread over the threads) whatever the
 *                              answers, instead of replacing each one as it ends; a start that finds CONCURRENCY
 *                              in flight waits and is counted (capped=): the offered rate was not held. For a
 *                              latency that does not depend on how fast each proxy can go (below every one's
 *                              saturation, the same offered load for all)
 *   -t, --threads N            threads, each with its own epoll and a share of N (default 1)
 *   -T, --timeout-ms MS        per connection, connect to end of stream (default 3000)
 *   -n, --max-conns N          stop after starting N connections (smoke tests)
 *   -x, --proxy-header         send a PROXY v2 header before the hello (straight to the backend, no proxy)
 *   -P, --route-port ROUTE=P   connections with ROUTE's hello go to port P instead of PORT (with -x: one
 *                              backend port per route)
 *   -s, --per-second           also list the count of each second in the human text (the key=value line always
 *                              has them: persec=)
 *   -q, --quiet                no human text on stderr
 *       --bye                  relay check (the backend must run with --bye): after a right answer send "bye\n" and
 *                              expect it echoed before the end of the stream, i.e. one more message each way
 *                              through the relay the proxy set up (run.sh's smoke test; not in measured rounds)
 *       --hold N               hold mode: open N connections (CONCURRENCY at a time) and keep each one open after
 *                              its answer was checked (the backend must run with --hold); print "held=..." once
 *                              all are open, then idle until SIGTERM/SIGINT or --hold-secs (default 120)
 *       --trace FILE           also write one line per checked connection to FILE: "T0_NS ANSWER_NS", both
 *                              CLOCK_MONOTONIC nanoseconds (connect() and the complete answer), to line slow
 *                              connections up against the proxy's own events: the JVM's -Xlog decorator
 *                              `timenanos` (tn) is the same clock (bench/tail.py)
 *
 * Output: one line of key=value on stdout (conn_per_s, ok, p50_us/p99_us/p999_us from a log-linear histogram,
 * failures by kind, own CPU time, per-second counts), a human summary on stderr.  Failure kinds: connect (the
 * connect failed or was refused), timeout (no answer or no end of stream within the timeout), wrong (an answer
 * other than the expected line, or bytes after it), reset (ECONNRESET or another socket error), eof (the stream
 * ended before a whole answer line).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELLOS 8
#define HELLO_CAP 16384
#define ANSWER_CAP 128

/* ------------------------------------------------------------------ configuration */

typedef struct {
  char route[32];
  uint8_t *bytes;
  size_t len;
  struct sockaddr_storage dst;
  socklen_t dstlen;
} hello_t;

static struct {
  const char *host, *port, *trace_path;
  FILE *trace;
  double duration, rate;
  int concurrency, threads, timeout_ms, proxy_header, per_second, quiet, bye;
  long max_conns, hold_n;
  double hold_secs;
  hello_t hellos[MAX_HELLOS];
  int nhellos;
} cfg = {.duration = 5, .concurrency = 64, .threads = 1, .timeout_ms = 3000, .hold_secs = 120};

enum { K_CONNECT, K_TIMEOUT, K_WRONG, K_RESET, K_EOF, K_N }; /* failure kinds */
static const char *const KIND[K_N] = {"connect", "timeout", "wrong", "reset", "eof"};

static volatile sig_atomic_t g_stop;
static void on_stop(int s) { (void)s; g_stop = 1; }

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ latency histogram (microseconds)
 * Exact below 256 us, then 128 buckets per power of two (<= 0.8 % error), up to 2^40 us.  Fixed size, so
 * recording costs no allocation and threads merge by adding counts. */

#define SUB_BITS 7
#define SUB (1u << SUB_BITS)
#define MAX_BITS 40
#define NBUCKETS ((MAX_BITS - SUB_BITS + 1) * SUB)

typedef struct {
  uint64_t n[NBUCKETS];
  uint64_t total, max;
} hist_t;

static unsigned hist_index(uint64_t v) {
  if (v < 2 * SUB) return (unsigned)v;
  if (v >= (1ull << MAX_BITS)) v = (1ull << MAX_BITS) - 1;
  unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - SUB_BITS;
  return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

static uint64_t hist_value(unsigned i) { /* middle of bucket i */
  if (i < 2 * SUB) return i;
  unsigned shift = i / SUB - 1;
  return ((uint64_t)(SUB + i % SUB) << shift) + ((1ull << shift) >> 1);
}

static void hist_add(hist_t *h, uint64_t us) {
  h->n[hist_index(us)]++;
  h->total++;
  if (us > h->max) h->max = us;
}

static uint64_t hist_quantile(const hist_t *h, double q) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999), seen = 0; /* ceil(q * total) */
  if (rank < 1) rank = 1;
  for (unsigned i = 0; i < NBUCKETS; i++) {
    seen += h->n[i];
    if (seen >= rank) return hist_value(i) < h->max ? hist_value(i) : h->max;
  }
  return h->max;
}

/* ------------------------------------------------------------------ connections and workers */

enum {
  S_FREE, S_CONNECTING, S_SENDING, S_READING,
  S_BYE,    /* --bye: answer checked, "bye\n" sent, waiting for its echo */
  S_ENDING, /* answer (and echo) checked, waiting for EOF */
  S_HELD
};

typedef struct {
  int fd, state, hello;
  uint64_t t0, t_answer, deadline;
  size_t sent, hdrlen, anslen, wantlen;
  uint8_t hdr[52]; /* PROXY v2 header (-x) */
  char ans[ANSWER_CAP], want[96];
} conn_t;

typedef struct {
  int id, ep, nslots, conc, inflight, nfree, *freelist;
  long quota; /* connections this worker may start (0 = unlimited) */
  conn_t *slots;
  uint64_t t_start, t_stop_launch, t_hard_stop, t_pause;
  uint64_t launched, ok, ok_window, ok_by_hello[MAX_HELLOS], fail[K_N], reset_after_answer, timeout_after_answer;
  uint64_t held, dropped, next_hello, *persec;
  double rate;      /* --rate share of this worker, connections a second (0 = closed loop) */
  uint64_t capped;  /* --rate: starts that were due while CONCURRENCY were in flight */
  int nsec, errs_shown;
  hist_t hist;
} worker_t;

/* Prints the first few failures in detail: they tell a misroute from a mangled PROXY header. */
static void report_failure(worker_t *w, conn_t *c, int kind, int err) {
  if (cfg.quiet || w->errs_shown >= 3) return;
  w->errs_shown++;
  if (kind == K_WRONG) {
    int n = (int)c->anslen;
    while (n > 0 && (c->ans[n - 1] == '\n' || c->ans[n - 1] == '\r')) n--; /* one line of text per failure */
    if (c->state == S_BYE) fprintf(stderr, "connrate: wrong echo: got [%.*s] want [bye]\n", n, c->ans);
    else fprintf(stderr, "connrate: wrong answer: got [%.*s] want [%.*s]\n", n, c->ans, (int)c->wantlen - 1, c->want);
  } else {
    fprintf(stderr, "connrate: %s failure (%s, state %d, %s hello)\n", KIND[kind], err ? strerror(err) : "-",
            c->state, cfg.hellos[c->hello].route);
  }
}

static void release(worker_t *w, conn_t *c) {
  if (c->fd >= 0) close(c->fd);
  if (c->state != S_HELD) w->inflight--;
  c->fd = -1;
  c->state = S_FREE;
  w->freelist[w->nfree++] = (int)(c - w->slots);
}

static void fail(worker_t *w, conn_t *c, int kind, int err) {
  w->fail[kind]++;
  if (kind == K_CONNECT) w->t_pause = now_ns() + 10000000u; /* refused: back off 10 ms instead of spinning */
  if (kind == K_RESET && (c->state == S_ENDING || c->state == S_BYE)) w->reset_after_answer++;
  if (kind == K_TIMEOUT && (c->state == S_ENDING || c->state == S_BYE)) w->timeout_after_answer++;
  report_failure(w, c, kind, err);
  release(w, c);
}

/* A held connection ended (or got bytes) while it should have stayed idle: the proxy or backend let it go. */
static void drop_held(worker_t *w, conn_t *c) {
  w->dropped++;
  release(w, c);
}

static void succeed(worker_t *w, conn_t *c) {
  uint64_t t = now_ns();
  w->ok++;
  w->ok_by_hello[c->hello]++;
  hist_add(&w->hist, (c->t_answer - c->t0) / 1000);
  if (cfg.trace) fprintf(cfg.trace, "%lu %lu\n", c->t0, c->t_answer); /* stdio locks: whole lines per thread */
  if (t <= w->t_stop_launch) w->ok_window++;
  int s = (int)((t - w->t_start) / 1000000000u);
  if (s < w->nsec) w->persec[s]++;
  release(w, c);
}

/* "addr:port" the way hellobackend prints the PROXY header's source: 127.0.0.1:N or [::1]:N */
static size_t fmt_addr(const struct sockaddr_storage *ss, char *out, size_t cap) {
  char ip[INET6_ADDRSTRLEN];
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const void *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    return (size_t)snprintf(out, cap, "[%s]:%d", ip, ntohs(a->sin6_port));
  }
  const struct sockaddr_in *a = (const void *)ss;
  inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
  return (size_t)snprintf(out, cap, "%s:%d", ip, ntohs(a->sin_port));
}

/* PROXY v2 header for -x: command PROXY, TCP over the socket's family, source = this socket, destination = peer */
static size_t build_proxy_header(uint8_t *h, const struct sockaddr_storage *src, const struct sockaddr_storage *dst) {
  static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  memcpy(h, sig, 12);
  h[12] = 0x21;
  if (src->ss_family == AF_INET) {
    const struct sockaddr_in *s = (const void *)src, *d = (const void *)dst;
    h[13] = 0x11, h[14] = 0, h[15] = 12;
    memcpy(h + 16, &s->sin_addr, 4), memcpy(h + 20, &d->sin_addr, 4);
    memcpy(h + 24, &s->sin_port, 2), memcpy(h + 26, &d->sin_port, 2);
    return 28;
  }
  const struct sockaddr_in6 *s = (const void *)src, *d = (const void *)dst;
  h[13] = 0x21, h[14] = 0, h[15] = 36;
  memcpy(h + 16, &s->sin6_addr, 16), memcpy(h + 32, &d->sin6_addr, 16);
  memcpy(h + 48, &s->sin6_port, 2), memcpy(h + 50, &d->sin6_port, 2);
  return 52;
}

/* Once connected: the answer this socket must get, and the PROXY header if we play the proxy ourselves. */
static int prepare(conn_t *c) {
  struct sockaddr_storage me;
  socklen_t len = sizeof me;
  if (getsockname(c->fd, (struct sockaddr *)&me, &len) != 0) return -1;
  char addr[80];
  fmt_addr(&me, addr, sizeof addr);
  c->wantlen = (size_t)snprintf(c->want, sizeof c->want, "ok %s %s\n", cfg.hellos[c->hello].route, addr);
  c->hdrlen = cfg.proxy_header ? build_proxy_header(c->hdr, &me, &cfg.hellos[c->hello].dst) : 0;
  return 0;
}

/* Starts a connection in slot c; 0 when under way, -1 when it failed at once (counted). */
static int start_conn(worker_t *w, conn_t *c) {
  const hello_t *h = &cfg.hellos[c->hello = (int)(w->next_hello++ % (uint64_t)cfg.nhellos)];
  c->t0 = now_ns();
  c->deadline = c->t0 + (uint64_t)cfg.timeout_ms * 1000000u;
  c->sent = c->anslen = c->hdrlen = 0;
  c->state = S_CONNECTING;
  w->inflight++;
  w->launched++;
  c->fd = socket(h->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) { fail(w, c, K_CONNECT, errno); return -1; }
  if (connect(c->fd, (const struct sockaddr *)&h->dst, h->dstlen) != 0 && errno != EINPROGRESS) {
    fail(w, c, K_CONNECT, errno);
    return -1;
  }
  /* edge-triggered: one registration per connection; the state machine tolerates spurious wake-ups */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u32 = (uint32_t)(c - w->slots)};
  if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) { fail(w, c, K_CONNECT, errno); return -1; }
  return 0;
}

static int may_launch(const worker_t *w, uint64_t t) {
  return !g_stop && t < w->t_stop_launch && (w->quota == 0 || (long)w->launched < w->quota);
}

/* --rate: connections due by t since the start (the first at once). */
static uint64_t due_by(const worker_t *w, uint64_t t) {
  return (uint64_t)((double)(t - w->t_start) * w->rate / 1e9) + 1;
}

static void launch_more(worker_t *w) {
  uint64_t t = now_ns();
  if (w->rate > 0) {
    uint64_t due = due_by(w, t);
    while (w->launched + w->capped < due && t >= w->t_pause && may_launch(w, t)) {
      if (w->inflight >= w->conc || w->nfree == 0) { w->capped = due - w->launched; return; } /* not started */
      conn_t *c = &w->slots[w->freelist[--w->nfree]];
      if (start_conn(w, c) != 0) return;
    }
    return;
  }
  while (w->inflight < w->conc && w->nfree > 0 && t >= w->t_pause && may_launch(w, t)) {
    conn_t *c = &w->slots[w->freelist[--w->nfree]];
    if (start_conn(w, c) != 0) return; /* e.g. no local port: retry on the next tick, do not spin */
  }
}

/* Writes the (PROXY header and) hello; 1 = all sent, 0 = wait for EPOLLOUT, -1 = error (counted). */
static int send_hello(worker_t *w, conn_t *c) {
  const hello_t *h = &cfg.hellos[c->hello];
  size_t total = c->hdrlen + h->len;
  while (c->sent < total) {
    struct iovec iov[2];
    int n = 0;
    if (c->sent < c->hdrlen) iov[n++] = (struct iovec){c->hdr + c->sent, c->hdrlen - c->sent};
    size_t off = c->sent > c->hdrlen ? c->sent - c->hdrlen : 0;
    iov[n++] = (struct iovec){h->bytes + off, h->len - off};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    ssize_t r = sendmsg(c->fd, &msg, MSG_NOSIGNAL);
    if (r < 0 && errno == EAGAIN) return 0;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { fail(w, c, errno == ECONNREFUSED ? K_CONNECT : K_RESET, errno); return -1; }
    c->sent += (size_t)r;
  }
  return 1;
}

/* A complete answer line is in: check it against what this socket expects. 0 = right, -1 = wrong (counted). */
static int check_answer(worker_t *w, conn_t *c) {
  if (c->anslen != c->wantlen || memcmp(c->ans, c->want, c->wantlen) != 0) { fail(w, c, K_WRONG, 0); return -1; }
  c->t_answer = now_ns();
  if (cfg.bye && !cfg.hold_n) { /* relay check: one more message each way after the proxy has set up its relay */
    if (send(c->fd, "bye\n", 4, MSG_NOSIGNAL) != 4) { fail(w, c, K_RESET, errno); return -1; }
    c->anslen = 0;
    c->state = S_BYE;
    return 0;
  }
  if (!cfg.hold_n) {
    c->state = S_ENDING;
    return 0;
  }
  hist_add(&w->hist, (c->t_answer - c->t0) / 1000); /* hold mode: the answer is the success */
  w->ok++;
  w->ok_by_hello[c->hello]++;
  w->held++;
  w->inflight--;
  c->state = S_HELD;
  return 0;
}

/* A whole line is in: the answer, or (--bye) the echo of our "bye". 0 = right, -1 = wrong (counted). */
static int check_line(worker_t *w, conn_t *c) {
  if (c->state == S_READING) return check_answer(w, c);
  if (c->anslen != 4 || memcmp(c->ans, "bye\n", 4) != 0) { fail(w, c, K_WRONG, 0); return -1; }
  c->state = S_ENDING;
  return 0;
}

/* Reads until EAGAIN (edge-triggered): the answer line (and the echo), then the end of the stream. */
static void read_answer(worker_t *w, conn_t *c) {
  for (;;) {
    char buf[256];
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (c->state != S_READING && c->state != S_BYE) { /* bytes after the last line are wrong (held: broken) */
        if (c->state == S_HELD) { drop_held(w, c); return; }
        fail(w, c, K_WRONG, 0);
        return;
      }
      size_t room = ANSWER_CAP - c->anslen, take = (size_t)n < room ? (size_t)n : room;
      memcpy(c->ans + c->anslen, buf, take);
      c->anslen += take;
      char *nl = memchr(c->ans, '\n', c->anslen);
      if (!nl && c->anslen == ANSWER_CAP) { fail(w, c, K_WRONG, 0); return; }
      if (nl && check_line(w, c) != 0) return;
      continue;
    }
    if (n == 0) {
      if (c->state == S_ENDING) succeed(w, c);
      else if (c->state == S_HELD) drop_held(w, c);
      else fail(w, c, K_EOF, 0);
      return;
    }
    if (errno == EAGAIN) return;
    if (errno == EINTR) continue;
    if (c->state == S_HELD) { drop_held(w, c); return; }
    fail(w, c, errno == ECONNREFUSED ? K_CONNECT : K_RESET, errno);
    return;
  }
}

static void on_event(worker_t *w, conn_t *c, uint32_t ev) {
  if (c->state == S_CONNECTING) {
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    if (ev & EPOLLERR) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      fail(w, c, err == ECONNRESET ? K_RESET : K_CONNECT, err);
      return;
    }
    if (prepare(c) != 0) { fail(w, c, K_CONNECT, errno); return; }
    c->state = S_SENDING;
  }
  if (c->state == S_SENDING) {
    int r = send_hello(w, c);
    if (r <= 0) return;
    c->state = S_READING;
    /* an answer cannot precede the hello, but an early EOF/RST edge may have come with this very event */
    if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
  }
  if (c->state >= S_READING) read_answer(w, c);
}

static void expire(worker_t *w, uint64_t t) {
  for (int i = 0; i < w->nslots; i++) {
    conn_t *c = &w->slots[i];
    if (c->state != S_FREE && c->state != S_HELD && t > c->deadline) fail(w, c, K_TIMEOUT, 0);
  }
}

/* How long epoll may sleep, in ns: 2 ms, or with --rate until the next start is due (epoll_pwait2 takes a
 * timespec, so a start at 5 000 a second is not rounded to a millisecond, nor does the loop spin for it). */
static struct timespec wait_for(const worker_t *w, uint64_t t) {
  uint64_t ns = 2000000u;
  if (w->rate > 0) {
    uint64_t next = w->t_start + (uint64_t)((double)(w->launched + w->capped) * 1e9 / w->rate);
    ns = next <= t ? 0 : next - t < ns ? next - t : ns;
  }
  return (struct timespec){.tv_sec = 0, .tv_nsec = (long)ns};
}

/* One epoll loop: start connections, serve events, expire the slow ones; until the launch window has closed and
 * every connection in flight has ended (or the hard stop: window + timeout + 1 s). */
static void run_loop(worker_t *w, int until_held) {
  struct epoll_event evs[256];
  uint64_t next_scan = 0;
  for (;;) {
    launch_more(w);
    uint64_t t = now_ns();
    int done_launching = !may_launch(w, t) || (until_held && w->quota && (long)w->launched >= w->quota);
    if ((done_launching && w->inflight == 0) || t >= w->t_hard_stop) break;
    struct timespec wait = wait_for(w, t);
    int n = epoll_pwait2(w->ep, evs, 256, &wait, NULL);
    for (int k = 0; k < n; k++) on_event(w, &w->slots[evs[k].data.u32], evs[k].events);
    t = now_ns();
    if (t >= next_scan) { expire(w, t); next_scan = t + 10000000u; }
  }
  for (int i = 0; i < w->nslots; i++) /* hard stop: whatever is still in flight is a timeout */
    if (w->slots[i].state != S_FREE && w->slots[i].state != S_HELD) fail(w, &w->slots[i], K_TIMEOUT, 0);
}

static void worker_init(worker_t *w, int id, int conc, int nslots, long quota) {
  w->id = id;
  w->conc = conc;
  w->nslots = nslots;
  w->quota = quota;
  w->next_hello = (uint64_t)id; /* threads start on different hellos, so the mix stays even */
  w->slots = calloc((size_t)nslots, sizeof *w->slots);
  w->freelist = calloc((size_t)nslots, sizeof *w->freelist);
  w->nsec = (int)cfg.duration + cfg.timeout_ms / 1000 + 3;
  w->persec = calloc((size_t)w->nsec, sizeof *w->persec);
  w->ep = epoll_create1(EPOLL_CLOEXEC);
  if (!w->slots || !w->freelist || !w->persec || w->ep < 0) { perror("connrate: init"); exit(2); }
  for (int i = nslots - 1; i >= 0; i--) {
    w->slots[i].fd = -1;
    w->freelist[w->nfree++] = i;
  }
}

static void worker_free(worker_t *w) {
  for (int i = 0; i < w->nslots; i++)
    if (w->slots[i].fd >= 0) close(w->slots[i].fd); /* held connections: closing them is the client letting go */
  close(w->ep);
  free(w->slots);
  free(w->freelist);
  free(w->persec);
}

static void set_clock(worker_t *w, uint64_t t0) {
  w->t_start = t0;
  w->t_stop_launch = t0 + (uint64_t)(cfg.duration * 1e9);
  w->t_hard_stop = w->t_stop_launch + (uint64_t)cfg.timeout_ms * 1000000u + 1000000000u;
}

static void *rate_thread(void *arg) {
  run_loop(arg, 0);
  return NULL;
}

/* ------------------------------------------------------------------ reports */

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru); /* all threads */
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void merge(worker_t *sum, const worker_t *w) {
  sum->launched += w->launched, sum->ok += w->ok, sum->ok_window += w->ok_window;
  sum->reset_after_answer += w->reset_after_answer, sum->timeout_after_answer += w->timeout_after_answer;
  sum->held += w->held, sum->dropped += w->dropped, sum->capped += w->capped;
  for (int k = 0; k < K_N; k++) sum->fail[k] += w->fail[k];
  for (int i = 0; i < cfg.nhellos; i++) sum->ok_by_hello[i] += w->ok_by_hello[i];
  for (int s = 0; s < w->nsec && s < sum->nsec; s++) sum->persec[s] += w->persec[s];
  for (unsigned i = 0; i < NBUCKETS; i++) sum->hist.n[i] += w->hist.n[i];
  sum->hist.total += w->hist.total;
  if (w->hist.max > sum->hist.max) sum->hist.max = w->hist.max;
}

static uint64_t total_failures(const worker_t *s) {
  uint64_t f = 0;
  for (int k = 0; k < K_N; k++) f += s->fail[k];
  return f;
}

static void print_rate(const worker_t *s, double secs, double cpu) {
  uint64_t p50 = hist_quantile(&s->hist, 0.50), p99 = hist_quantile(&s->hist, 0.99),
           p999 = hist_quantile(&s->hist, 0.999);
  double window = secs < cfg.duration ? secs : cfg.duration; /* -n may end the run before the duration */
  double rate = (double)s->ok_window / window;
  int nsec = (int)(cfg.duration + 0.5);
  printf("conn_per_s=%.0f ok=%lu launched=%lu secs=%.3f p50_us=%lu p99_us=%lu p999_us=%lu max_us=%lu fail=%lu",
         rate, s->ok, s->launched, secs, p50, p99, p999, s->hist.max, total_failures(s));
  for (int k = 0; k < K_N; k++) printf(" fail_%s=%lu", KIND[k], s->fail[k]);
  printf(" reset_after_answer=%lu timeout_after_answer=%lu cpu_s=%.3f cpu_util=%.3f", s->reset_after_answer,
         s->timeout_after_answer, cpu, cpu / secs);
  if (cfg.rate > 0) printf(" rate=%.0f capped=%lu", cfg.rate, s->capped);
  for (int i = 0; i < cfg.nhellos; i++) printf(" ok_%s=%lu", cfg.hellos[i].route, s->ok_by_hello[i]);
  printf(" persec=");
  for (int i = 0; i < nsec && i < s->nsec; i++) printf("%s%lu", i ? "," : "", s->persec[i]);
  printf("\n");
  fflush(stdout);
  if (cfg.quiet) return;
  fprintf(stderr, "connrate %s:%s: %.0f conn/s over %.1f s, %d in flight, %lu ok; connect->answer p50 %lu us, "
                  "p99 %lu us, p99.9 %lu us, max %lu us; failures %lu; own CPU %.2f s (%.0f %% of wall)\n",
          cfg.host, cfg.port, rate, window, cfg.concurrency, s->ok, p50, p99, p999, s->hist.max,
          total_failures(s), cpu, 100 * cpu / secs);
  if (cfg.per_second)
    for (int i = 0; i < nsec && i < s->nsec; i++) fprintf(stderr, "  second %d: %lu\n", i + 1, s->persec[i]);
}

/* ------------------------------------------------------------------ modes */

static int run_rate(void) {
  int nt = cfg.threads;
  worker_t *ws = calloc((size_t)nt + 1, sizeof *ws), *sum = &ws[nt];
  pthread_t *th = calloc((size_t)nt, sizeof *th);
  for (int i = 0; i < nt; i++) {
    int conc = cfg.concurrency / nt + (i < cfg.concurrency % nt);
    long quota = cfg.max_conns ? cfg.max_conns / nt + (i < cfg.max_conns % nt) : 0;
    worker_init(&ws[i], i, conc, conc, quota);
    ws[i].rate = cfg.rate / nt;
  }
  worker_init(sum, nt, 1, 1, 0);
  double cpu0 = cpu_seconds();
  uint64_t t0 = now_ns();
  for (int i = 0; i < nt; i++) set_clock(&ws[i], t0);
  for (int i = 0; i < nt; i++)
    if (pthread_create(&th[i], NULL, rate_thread, &ws[i]) != 0) { perror("connrate: thread"); return 2; }
  for (int i = 0; i < nt; i++) pthread_join(th[i], NULL);
  double secs = (double)(now_ns() - t0) / 1e9, cpu = cpu_seconds() - cpu0;
  for (int i = 0; i < nt; i++) merge(sum, &ws[i]);
  print_rate(sum, secs, cpu);
  for (int i = 0; i <= nt; i++) worker_free(&ws[i]);
  free(ws);
  free(th);
  return 0;
}

/* Opens hold_n connections, reports, then idles until told to stop; held connections that end are counted. */
static int run_hold(void) {
  worker_t w = {0};
  worker_init(&w, 0, cfg.concurrency, (int)cfg.hold_n, cfg.hold_n);
  uint64_t t0 = now_ns();
  set_clock(&w, t0); /* -d bounds the opening phase */
  run_loop(&w, 1);
  uint64_t f = total_failures(&w);
  printf("held=%lu answered=%lu failed=%lu dropped=%lu p50_us=%lu p99_us=%lu open_secs=%.2f", w.held, w.ok, f,
         w.dropped, hist_quantile(&w.hist, 0.5), hist_quantile(&w.hist, 0.99), (double)(now_ns() - t0) / 1e9);
  for (int k = 0; k < K_N; k++) printf(" fail_%s=%lu", KIND[k], w.fail[k]);
  printf("\n");
  fflush(stdout);
  uint64_t end = now_ns() + (uint64_t)(cfg.hold_secs * 1e9);
  struct epoll_event evs[256];
  while (!g_stop && now_ns() < end) { /* idle: only a held connection's end (or stray bytes) wakes us */
    int n = epoll_wait(w.ep, evs, 256, 200);
    for (int k = 0; k < n; k++) on_event(&w, &w.slots[evs[k].data.u32], evs[k].events);
  }
  fprintf(stderr, "connrate hold: %lu held, %lu ended early while held\n", w.held, w.dropped);
  worker_free(&w);
  return 0;
}

/* ------------------------------------------------------------------ arguments */

static void usage(void) {
  fprintf(stderr, "usage: connrate [-d SECS] [-c N] [-R N] [-t N] [-T MS] [-n N] [-x] [-s] [-q] [--bye]\n"
                  "                [--hold N [--hold-secs S]] [--trace FILE]\n"
                  "                -H ROUTE=FILE [-H ...] [-P ROUTE=PORT ...] HOST PORT\n");
  exit(2);
}

static void add_hello(const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof cfg.hellos[0].route || cfg.nhellos == MAX_HELLOS) usage();
  hello_t *h = &cfg.hellos[cfg.nhellos++];
  memcpy(h->route, spec, (size_t)(eq - spec));
  FILE *f = fopen(eq + 1, "rb");
  if (!f) { perror(eq + 1); exit(2); }
  h->bytes = malloc(HELLO_CAP);
  h->len = fread(h->bytes, 1, HELLO_CAP, f);
  fclose(f);
  if (h->len == 0 || h->len == HELLO_CAP || h->bytes[0] != 0x16) {
    fprintf(stderr, "connrate: %s does not look like a TLS ClientHello record\n", eq + 1);
    exit(2);
  }
}

/* Destination of every hello: HOST:PORT, or HOST:PORT' for the routes given with -P ROUTE=PORT'. */
static void resolve_destinations(char **port_overrides, int n) {
  for (int i = 0; i < cfg.nhellos; i++) {
    hello_t *h = &cfg.hellos[i];
    const char *port = cfg.port;
    for (int k = 0; k < n; k++) {
      size_t rl = strcspn(port_overrides[k], "=");
      if (port_overrides[k][rl] == '=' && strlen(h->route) == rl && strncmp(h->route, port_overrides[k], rl) == 0)
        port = port_overrides[k] + rl + 1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV}, *res;
    int rc = getaddrinfo(cfg.host, port, &hints, &res);
    if (rc != 0) { fprintf(stderr, "connrate: %s port %s: %s\n", cfg.host, port, gai_strerror(rc)); exit(2); }
    memcpy(&h->dst, res->ai_addr, res->ai_addrlen);
    h->dstlen = res->ai_addrlen;
    freeaddrinfo(res);
  }
}

static void parse_args(int argc, char **argv) {
  static const struct option opts[] = {
      {"hello", 1, 0, 'H'},       {"duration", 1, 0, 'd'},   {"concurrency", 1, 0, 'c'}, {"threads", 1, 0, 't'},
      {"timeout-ms", 1, 0, 'T'},  {"max-conns", 1, 0, 'n'},  {"proxy-header", 0, 0, 'x'}, {"route-port", 1, 0, 'P'},
      {"per-second", 0, 0, 's'},  {"quiet", 0, 0, 'q'},      {"hold", 1, 0, 'h'},         {"hold-secs", 1, 0, 'S'},
      {"bye", 0, 0, 'b'},         {"trace", 1, 0, 'r'},      {"rate", 1, 0, 'R'},         {0, 0, 0, 0}};
  static char *overrides[MAX_HELLOS];
  int nover = 0, o;
  while ((o = getopt_long(argc, argv, "H:d:c:t:T:n:xP:sqR:", opts, NULL)) != -1) {
    switch (o) {
    case 'H': add_hello(optarg); break;
    case 'd': cfg.duration = atof(optarg); break;
    case 'c': cfg.concurrency = atoi(optarg); break;
    case 't': cfg.threads = atoi(optarg); break;
    case 'T': cfg.timeout_ms = atoi(optarg); break;
    case 'n': cfg.max_conns = atol(optarg); break;
    case 'x': cfg.proxy_header = 1; break;
    case 'P': if (nover < MAX_HELLOS) overrides[nover++] = optarg; break;
    case 's': cfg.per_second = 1; break;
    case 'q': cfg.quiet = 1; break;
    case 'h': cfg.hold_n = atol(optarg); break;
    case 'S': cfg.hold_secs = atof(optarg); break;
    case 'b': cfg.bye = 1; break;
    case 'r': cfg.trace_path = optarg; break;
    case 'R': cfg.rate = atof(optarg); break;
    default: usage();
    }
  }
  if (argc - optind != 2 || cfg.nhellos == 0) usage();
  cfg.host = argv[optind];
  cfg.port = argv[optind + 1];
  if (cfg.duration <= 0 || cfg.duration > 3600 || cfg.concurrency < 1 || cfg.concurrency > 100000 ||
      cfg.threads < 1 || cfg.threads > 64 || cfg.threads > cfg.concurrency || cfg.timeout_ms < 1 ||
      cfg.timeout_ms > 60000 || cfg.max_conns < 0 || cfg.hold_n < 0 || cfg.hold_n > 1000000 ||
      cfg.hold_secs <= 0 || cfg.hold_secs > 3600 || cfg.rate < 0 || cfg.rate > 1e6 || (cfg.rate > 0 && cfg.hold_n)) {
    fprintf(stderr, "connrate: an option is out of range\n");
    exit(2);
  }
  resolve_destinations(overrides, nover);
  if (cfg.trace_path && !(cfg.trace = fopen(cfg.trace_path, "w"))) { perror(cfg.trace_path); exit(2); }
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: a signal must wake epoll_wait */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  int rc = cfg.hold_n ? run_hold() : run_rate();
  if (cfg.trace && fclose(cfg.trace) != 0) { perror(cfg.trace_path); return 2; }
  return rc;
}
