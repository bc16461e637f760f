// Shared types and state of the load generator (see loadgen.c for what it does).
#pragma once
#include <stddef.h>
#include <stdint.h>

enum mode { ECHO, LATENCY, FANOUT, IDLE };
enum proto { PROTO_WS, PROTO_SIO };
enum state { ST_IDLE, ST_CONNECTING, ST_UPGRADING, ST_SIO_OPEN, ST_SIO_CONNECT, ST_READY, ST_CLOSED };
enum role { MEMBER, SENDER };

typedef struct {
  uint8_t *data;
  size_t len;
} bytes;

typedef struct {
  int fd;
  uint8_t state, role, hdr_have, hdr_need, opcode, fin, head_have, ctrl_len;
  uint8_t hdr[14], head[2], ctrl[125];
  uint64_t payload_left;
  char *http; // the upgrade response while it is read, then freed
  size_t http_len;
  uint8_t *out; // bytes not yet taken by the kernel
  size_t out_len, out_cap;
  int wants_out;
  uint32_t replies, owed; // replies read, frames to send after this read
  uint64_t *sent_ns;      // latency: send times, a FIFO ring
  uint32_t ring_head, ring_tail;
} conn;

#define RING 4096

struct options {
  enum mode mode;
  enum proto proto;
  const char *path, *msg, *join, *bcast;
  const char *extensions;   // a Sec-WebSocket-Extensions offer for the upgrade request
  const char *deflated_hex; // the echo message, already compressed (RFC 7692 §7.2.1), as hex: sent with RSV1
  int port, conns, depth, concurrency, window;
  long msg_bytes; // > 0: the echo message is this many ASCII letters instead of --msg (argv caps one argument at 128 KiB)
  int is_binary;  // the echo message goes in a binary frame instead of a text one
  double rate;
  double broadcast_rate; // fan-out: broadcasts per second, open loop, instead of --window in flight
  long warmup_ms, duration_ms, hold_ms, connect_timeout_ms;
};

// Counters; the "measured" one is reset when the measure window opens.
struct counters {
  int next_to_connect, pending, ready, failed, members_joined, measuring;
  uint64_t measured_msgs, deliveries, broadcasts_sent, ring_overflows, stalls, last_delivery_ns;
  uint64_t t_connect_start, t_connect_end;
  uint32_t *samples; // latency samples, µs
  size_t samples_len, samples_cap;
};

extern struct options opt;
extern struct counters stats;
extern conn *conns;
extern int total_conns, ep;
extern bytes f_msg, f_join, f_bcast, f_pong_sio, f_connect_sio;

uint64_t now_ns(void);
void die(const char *what);
void *xmalloc(size_t n);

// frames.c: masked client frames, and an incremental parser of server frames.
bytes client_frame(uint8_t opcode, const uint8_t *payload, size_t len);
bytes text_frame(const char *text);
bytes echo_frame(void);
void parse_frames(conn *c, const uint8_t *p, size_t n);

// connection.c: sockets, the upgrade, buffered writes.
void prepare_upgrade_request(void);
void connect_more(void);
void send_frames(conn *c, const bytes *f, uint32_t times);
void close_conn(conn *c, int is_failure);
void on_readable(conn *c);
void on_writable(conn *c);

// replies.c: what a complete server frame means in each mode and protocol.
void on_frame(conn *c);
void become_ready(conn *c);
