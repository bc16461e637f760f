// Sockets: non-blocking connects (a bounded number in flight), the HTTP upgrade, buffered writes.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "loadgen.h"

#define READ_BYTES (256 * 1024)

static char request[1024];
static size_t request_len;
static uint8_t readbuf[READ_BYTES];

void prepare_upgrade_request(void) {
  request_len = (size_t)snprintf(request, sizeof request,
                                 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                                 opt.path, opt.port, opt.extensions ? "Sec-WebSocket-Extensions: " : "", opt.extensions ? opt.extensions : "",
                                 opt.extensions ? "\r\n" : "");
}

static void watch(conn *c, int wants_out) {
  if (c->wants_out == wants_out) return;
  struct epoll_event ev = {.events = EPOLLIN | (wants_out ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl mod");
  c->wants_out = wants_out;
}

void close_conn(conn *c, int is_failure) {
  if (c->state == ST_CLOSED || c->fd < 0) return;
  int was_ready = c->state == ST_READY;
  // RST instead of FIN: thousands of runs must not leave TIME_WAIT on the port range.
  struct linger lg = {1, 0};
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(c->fd);
  c->fd = -1;
  c->state = ST_CLOSED;
  free(c->http);
  c->http = NULL;
  if (is_failure) {
    stats.failed++;
    if (!was_ready) stats.pending--;
  }
}

static void flush(conn *c) {
  while (c->out_len > 0) {
    ssize_t n = write(c->fd, c->out, c->out_len);
    if (n < 0) {
      if (errno == EAGAIN) break;
      if (errno == EINTR) continue;
      close_conn(c, 1);
      return;
    }
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (size_t)n;
  }
  watch(c, c->out_len > 0);
}

static void append(conn *c, const bytes *f, uint32_t times) {
  size_t need = c->out_len + f->len * times;
  if (need > c->out_cap) {
    c->out_cap = need * 2;
    c->out = realloc(c->out, c->out_cap);
    if (!c->out) die("realloc");
  }
  for (uint32_t i = 0; i < times; i++) {
    memcpy(c->out + c->out_len, f->data, f->len);
    c->out_len += f->len;
  }
}

void send_frames(conn *c, const bytes *f, uint32_t times) {
  if (c->state == ST_CLOSED || times == 0) return;
  append(c, f, times);
  if (!c->wants_out) flush(c);
}

static void start_connect(conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket (raise ulimit -n?)");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  c->state = ST_CONNECTING;
  c->wants_out = 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl add");
  stats.pending++;
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) close_conn(c, 1);
}

void connect_more(void) {
  while (stats.pending < opt.concurrency && stats.next_to_connect < total_conns) start_connect(&conns[stats.next_to_connect++]);
}

static void on_upgrade_bytes(conn *c, const uint8_t *p, size_t n) {
  c->http = realloc(c->http, c->http_len + n + 1);
  if (!c->http) die("realloc");
  memcpy(c->http + c->http_len, p, n);
  c->http_len += n;
  c->http[c->http_len] = 0;
  char *end = strstr(c->http, "\r\n\r\n");
  if (!end) {
    if (c->http_len > 8192) close_conn(c, 1);
    return;
  }
  if (strncmp(c->http, "HTTP/1.1 101", 12) != 0) {
    fprintf(stderr, "loadgen: upgrade refused: %.60s\n", c->http);
    close_conn(c, 1);
    return;
  }
  // Frames may follow the 101 in the same read (socket.io's open packet does).
  size_t head = (size_t)(end + 4 - c->http);
  size_t rest_len = c->http_len - head;
  uint8_t rest[8192];
  memcpy(rest, c->http + head, rest_len);
  free(c->http);
  c->http = NULL;
  c->hdr_need = 2;
  if (opt.proto == PROTO_SIO) c->state = ST_SIO_OPEN;
  else become_ready(c);
  if (rest_len) parse_frames(c, rest, rest_len);
}

void on_readable(conn *c) {
  ssize_t n = read(c->fd, readbuf, sizeof readbuf);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    close_conn(c, 1);
    return;
  }
  if (n < 0) return;
  if (c->state == ST_UPGRADING) on_upgrade_bytes(c, readbuf, (size_t)n);
  else parse_frames(c, readbuf, (size_t)n);
  if (c->owed && c->state == ST_READY) {
    // Closed loop: one new message per reply, written in one batch per read.
    uint32_t owed = c->owed;
    c->owed = 0;
    send_frames(c, &f_msg, owed);
  }
}

void on_writable(conn *c) {
  if (c->state == ST_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
      close_conn(c, 1);
      return;
    }
    c->state = ST_UPGRADING;
    append(c, &(bytes){(uint8_t *)request, request_len}, 1);
  }
  flush(c);
}
