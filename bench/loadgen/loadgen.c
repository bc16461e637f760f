// Load generator for bench/: one thread, epoll, many loopback WebSocket connections.
// Client frames are masked and prepared once (frames.c); replies are parsed just enough to count
// them (replies.c). Speaks RFC 6455, and socket.io's Engine.IO v4 inside it (--proto sio).
// Modes: echo (closed loop, --depth in flight per connection), latency (open loop at --rate),
// fanout (members join a room, one extra connection broadcasts), idle (connect and hold).
// Prints CONNECTED, MEASURE_START and MEASURE_END lines, then a JSON result, on stdout.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "loadgen.h"

#define MAX_EVENTS 1024

struct options opt = {.mode = ECHO, .proto = PROTO_WS, .path = "/", .msg = "hello", .conns = 1, .depth = 1, .concurrency = 64,
                      .window = 4, .rate = 1000, .warmup_ms = 500, .duration_ms = 2000, .hold_ms = 60000, .connect_timeout_ms = 60000};
struct counters stats;
conn *conns;
int total_conns, ep;
bytes f_msg, f_join, f_bcast, f_pong_sio, f_connect_sio;

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void die(const char *what) {
  fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
  exit(2);
}

void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) die("malloc");
  return p;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--mode")) opt.mode = !strcmp(v, "echo") ? ECHO : !strcmp(v, "latency") ? LATENCY : !strcmp(v, "fanout") ? FANOUT : IDLE;
    else if (!strcmp(k, "--proto")) opt.proto = !strcmp(v, "sio") ? PROTO_SIO : PROTO_WS;
    else if (!strcmp(k, "--port")) opt.port = atoi(v);
    else if (!strcmp(k, "--path")) opt.path = v;
    else if (!strcmp(k, "--msg")) opt.msg = v;
    else if (!strcmp(k, "--msg-bytes")) opt.msg_bytes = atol(v);
    else if (!strcmp(k, "--binary")) opt.is_binary = atoi(v);
    else if (!strcmp(k, "--join")) opt.join = v;
    else if (!strcmp(k, "--bcast")) opt.bcast = v;
    else if (!strcmp(k, "--conns")) opt.conns = atoi(v);
    else if (!strcmp(k, "--depth")) opt.depth = atoi(v);
    else if (!strcmp(k, "--window")) opt.window = atoi(v);
    else if (!strcmp(k, "--concurrency")) opt.concurrency = atoi(v);
    else if (!strcmp(k, "--rate")) opt.rate = strtod(v, NULL);
    else if (!strcmp(k, "--broadcast-rate")) opt.broadcast_rate = strtod(v, NULL);
    else if (!strcmp(k, "--extensions")) opt.extensions = v;
    else if (!strcmp(k, "--deflated-hex")) opt.deflated_hex = v;
    else if (!strcmp(k, "--warmup-ms")) opt.warmup_ms = atol(v);
    else if (!strcmp(k, "--duration-ms")) opt.duration_ms = atol(v);
    else if (!strcmp(k, "--hold-ms")) opt.hold_ms = atol(v);
    else if (!strcmp(k, "--connect-timeout-ms")) opt.connect_timeout_ms = atol(v);
    else {
      fprintf(stderr, "loadgen: unknown option %s\n", k);
      exit(2);
    }
  }
  if (!opt.port || opt.conns < 1) {
    fprintf(stderr, "loadgen: --port and --conns are required\n");
    exit(2);
  }
}

static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int stdin_has_line(void) {
  struct pollfd p = {.fd = 0, .events = POLLIN};
  return poll(&p, 1, 0) > 0; // a line or EOF: the driver is done with us
}

static int wait_events(struct epoll_event *events, uint64_t timeout_ns) {
  struct timespec ts = {(time_t)(timeout_ns / 1000000000ull), (long)(timeout_ns % 1000000000ull)};
  int n = epoll_pwait2(ep, events, MAX_EVENTS, &ts, NULL);
  if (n < 0 && errno == ENOSYS) n = epoll_wait(ep, events, MAX_EVENTS, (int)(timeout_ns / 1000000));
  if (n < 0 && errno != EINTR) die("epoll_wait");
  return n < 0 ? 0 : n;
}

static void dispatch(struct epoll_event *events, int n) {
  for (int i = 0; i < n; i++) {
    conn *c = events[i].data.ptr;
    if (c->state == ST_CLOSED) continue;
    if (events[i].events & (EPOLLOUT | EPOLLERR)) on_writable(c);
    if (c->state != ST_CLOSED && (events[i].events & (EPOLLIN | EPOLLHUP))) on_readable(c);
  }
}

// Phase 1: every connection upgraded (fan-out: and every member joined), or the connect timeout.
static void connect_all(struct epoll_event *events) {
  uint64_t deadline = stats.t_connect_start + (uint64_t)opt.connect_timeout_ms * 1000000ull;
  int joins_sent = 0;
  connect_more();
  while (now_ns() <= deadline) {
    if (stats.ready + stats.failed >= total_conns) {
      if (opt.mode != FANOUT) return;
      if (!joins_sent) {
        for (int i = 0; i < opt.conns; i++) send_frames(&conns[i], &f_join, 1);
        joins_sent = 1;
      }
      if (stats.members_joined + stats.failed >= opt.conns) return;
    }
    dispatch(events, wait_events(events, 50000000ull));
  }
}

// The sender keeps `window` broadcasts in flight, counted in deliveries.
static void pump_broadcasts(uint64_t now) {
  conn *sender = &conns[total_conns - 1];
  if (sender->state != ST_READY) return;
  uint64_t members = (uint64_t)opt.conns;
  // A second without a delivery while some are owed: they were lost (a member closed, or the
  // server dropped them). Count a stall and stop waiting for them.
  if (stats.broadcasts_sent * members > stats.deliveries && now - stats.last_delivery_ns > 1000000000ull) {
    stats.stalls++;
    stats.broadcasts_sent = (stats.deliveries + members - 1) / members;
    stats.last_delivery_ns = now;
  }
  uint32_t n = 0;
  while ((stats.broadcasts_sent + n) * members < stats.deliveries + (uint64_t)opt.window * members) n++;
  stats.broadcasts_sent += n;
  send_frames(sender, &f_bcast, n);
}

// --broadcast-rate: broadcast i is due at t0 + i/rate, late or not (open loop, no window).
static void send_due_broadcasts(uint64_t t0, uint64_t now, uint64_t *next_send) {
  conn *sender = &conns[total_conns - 1];
  if (sender->state != ST_READY) return;
  uint32_t n = 0;
  while (now >= *next_send) {
    n++;
    *next_send = t0 + (uint64_t)((double)(stats.broadcasts_sent + n) * 1e9 / opt.broadcast_rate);
  }
  stats.broadcasts_sent += n;
  send_frames(sender, &f_bcast, n);
}

// Open loop: message i is due at t0 + i/rate, on connection i mod N, late or not.
static void send_due(uint64_t t0, uint64_t now, uint64_t *sent, uint64_t *next_send) {
  double interval_ns = 1e9 / (opt.rate > 0 ? opt.rate : 1);
  while (now >= *next_send) {
    conn *c = &conns[*sent % (uint64_t)opt.conns];
    (*sent)++;
    if (c->state == ST_READY) {
      if (c->ring_head - c->ring_tail >= RING) stats.ring_overflows++;
      else {
        c->sent_ns[c->ring_head++ % RING] = *next_send; // from the intended time: no coordinated omission
        send_frames(c, &f_msg, 1);
      }
    }
    *next_send = t0 + (uint64_t)((double)*sent * interval_ns);
  }
}

static void start_load(void) {
  for (int i = 0; i < total_conns; i++) {
    conn *c = &conns[i];
    if (c->state != ST_READY) continue;
    if (opt.mode == ECHO) send_frames(c, &f_msg, (uint32_t)opt.depth);
    if (opt.mode == LATENCY) c->sent_ns = xmalloc(RING * sizeof(uint64_t));
  }
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static uint32_t percentile(double q) {
  if (!stats.samples_len) return 0;
  return stats.samples[(size_t)(q * (double)(stats.samples_len - 1) + 0.5)];
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  raise_fd_limit();
  setvbuf(stdout, NULL, _IOLBF, 0);
  f_msg = echo_frame();
  f_join = text_frame(opt.join);
  f_bcast = text_frame(opt.bcast);
  f_pong_sio = text_frame("3");
  f_connect_sio = text_frame("40");
  prepare_upgrade_request();
  total_conns = opt.conns + (opt.mode == FANOUT ? 1 : 0);
  conns = calloc((size_t)total_conns, sizeof *conns);
  if (!conns) die("calloc");
  for (int i = 0; i < total_conns; i++) conns[i].fd = -1;
  if (opt.mode == FANOUT) conns[total_conns - 1].role = SENDER;
  ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");

  struct epoll_event events[MAX_EVENTS];
  stats.t_connect_start = now_ns();
  connect_all(events);
  double handshake_s = stats.ready > 0 ? (double)(stats.t_connect_end - stats.t_connect_start) / 1e9 : 0;
  double cpu_connect = cpu_seconds();
  printf("CONNECTED %d %d %.6f\n", stats.ready, stats.failed, handshake_s);

  // Phase 2: the load, a warm-up, then the measured window (idle: hold until released).
  uint64_t t0 = now_ns();
  uint64_t t_measure = t0 + (uint64_t)opt.warmup_ms * 1000000ull;
  uint64_t t_end = opt.mode == IDLE ? t0 + (uint64_t)opt.hold_ms * 1000000ull : t_measure + (uint64_t)opt.duration_ms * 1000000ull;
  uint64_t wall_start = 0, sent = 0, next_send = t0;
  double cpu_start = 0;
  stats.last_delivery_ns = t0;
  start_load();
  for (;;) {
    uint64_t now = now_ns();
    if (!stats.measuring && opt.mode != IDLE && now >= t_measure) {
      stats.measuring = 1;
      stats.measured_msgs = 0;
      cpu_start = cpu_seconds();
      wall_start = now;
      printf("MEASURE_START\n");
    }
    if (now >= t_end || (opt.mode == IDLE && stdin_has_line()) || stats.ready == 0) break;
    if (opt.mode == LATENCY) send_due(t0, now, &sent, &next_send);
    if (opt.mode == FANOUT && opt.broadcast_rate > 0) send_due_broadcasts(t0, now, &next_send);
    else if (opt.mode == FANOUT) pump_broadcasts(now);
    uint64_t wake = t_end;
    if (!stats.measuring && t_measure < wake) wake = t_measure;
    if ((opt.mode == LATENCY || (opt.mode == FANOUT && opt.broadcast_rate > 0)) && next_send < wake) wake = next_send;
    if ((opt.mode == IDLE || opt.mode == FANOUT) && wake > now + 100000000ull) wake = now + 100000000ull;
    dispatch(events, wait_events(events, wake > now ? wake - now : 0));
  }
  uint64_t wall_end = now_ns();
  double cpu_end = cpu_seconds();
  if (opt.mode != IDLE) printf("MEASURE_END\n");

  double seconds = stats.measuring ? (double)(wall_end - wall_start) / 1e9 : 0;
  double cpu_pct = seconds > 0 ? (cpu_end - cpu_start) / seconds * 100 : 0;
  if (opt.mode == LATENCY) qsort(stats.samples, stats.samples_len, sizeof *stats.samples, cmp_u32);
  printf("{\"mode\":%d,\"ready\":%d,\"failed\":%d,\"handshakeSeconds\":%.6f,\"handshakesPerSecond\":%.1f,"
         "\"connectCpuSeconds\":%.4f,\"seconds\":%.4f,\"messages\":%llu,\"messagesPerSecond\":%.1f,"
         "\"deliveries\":%llu,\"broadcasts\":%llu,\"stalls\":%llu,\"ringOverflows\":%llu,\"cpuPercent\":%.1f,"
         "\"p50us\":%u,\"p99us\":%u,\"p999us\":%u,\"maxus\":%u,\"samples\":%zu}\n",
         (int)opt.mode, stats.ready, stats.failed, handshake_s, handshake_s > 0 ? stats.ready / handshake_s : 0, cpu_connect,
         seconds, (unsigned long long)stats.measured_msgs, seconds > 0 ? stats.measured_msgs / seconds : 0,
         (unsigned long long)stats.deliveries, (unsigned long long)stats.broadcasts_sent, (unsigned long long)stats.stalls,
         (unsigned long long)stats.ring_overflows, cpu_pct, percentile(0.5), percentile(0.99), percentile(0.999),
         stats.samples_len ? stats.samples[stats.samples_len - 1] : 0, stats.samples_len);
  for (int i = 0; i < total_conns; i++) close_conn(&conns[i], 0);
  return 0;
}
