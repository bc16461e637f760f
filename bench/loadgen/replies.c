// What a complete server frame means: control frames, Engine.IO v4 packets, and per-mode counting.
#include <stdlib.h>
#include "loadgen.h"

void become_ready(conn *c) {
  c->state = ST_READY;
  stats.pending--;
  stats.ready++;
  stats.t_connect_end = now_ns();
  connect_more();
}

static void record_latency(conn *c) {
  uint64_t rtt_us = (now_ns() - c->sent_ns[c->ring_tail % RING]) / 1000;
  if (stats.samples_len == stats.samples_cap) {
    stats.samples_cap = stats.samples_cap ? stats.samples_cap * 2 : 1 << 16;
    stats.samples = realloc(stats.samples, stats.samples_cap * sizeof *stats.samples);
    if (!stats.samples) die("realloc");
  }
  stats.samples[stats.samples_len++] = rtt_us > UINT32_MAX ? UINT32_MAX : (uint32_t)rtt_us;
}

// Engine.IO v4: "0{…}" open, "2" ping (answer "3"), "40…" connected, "42[…]" an event.
// Returns 1 when the packet is an event that counts as a reply.
static int on_socket_io_packet(conn *c) {
  if (c->head_have >= 1 && c->head[0] == '2') {
    send_frames(c, &f_pong_sio, 1);
    return 0;
  }
  if (c->state == ST_SIO_OPEN && c->head_have >= 1 && c->head[0] == '0') {
    c->state = ST_SIO_CONNECT;
    send_frames(c, &f_connect_sio, 1);
    return 0;
  }
  if (c->head_have < 2 || c->head[0] != '4') return 0;
  if (c->state == ST_SIO_CONNECT && c->head[1] == '0') {
    become_ready(c);
    return 0;
  }
  return c->head[1] == '2';
}

static void on_message(conn *c) {
  if (opt.proto == PROTO_SIO && !on_socket_io_packet(c)) return;
  if (c->state != ST_READY) return;
  c->replies++;
  switch (opt.mode) {
  case ECHO:
    c->owed++;
    if (stats.measuring) stats.measured_msgs++;
    break;
  case LATENCY:
    if (c->ring_head == c->ring_tail) break; // an unsolicited message
    if (stats.measuring) {
      record_latency(c);
      stats.measured_msgs++;
    }
    c->ring_tail++;
    break;
  case FANOUT:
    if (c->role != MEMBER) break;
    if (c->replies == 1) {
      stats.members_joined++; // the join reply
      break;
    }
    stats.deliveries++;
    stats.last_delivery_ns = now_ns();
    if (stats.measuring) stats.measured_msgs++;
    break;
  case IDLE:
    break;
  }
}

void on_frame(conn *c) {
  switch (c->opcode) {
  case 0x9: { // §5.5.2: answer a ping with a pong carrying its payload
    bytes pong = client_frame(0xA, c->ctrl, c->ctrl_len);
    send_frames(c, &pong, 1);
    free(pong.data);
    break;
  }
  case 0x8:
    close_conn(c, 1);
    break;
  case 0xA:
    break;
  default:
    if (c->fin) on_message(c);
  }
}
