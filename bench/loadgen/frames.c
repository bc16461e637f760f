// RFC 6455 framing for a client: masked frames built once, server frames parsed as they stream in.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loadgen.h"

static const uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

// §5.2/§5.3: a masked client frame, FIN set.
bytes client_frame(uint8_t opcode, const uint8_t *payload, size_t len) {
  size_t ext = len < 126 ? 0 : len <= 0xffff ? 2 : 8;
  bytes f = {xmalloc(2 + ext + 4 + len), 2 + ext + 4 + len};
  uint8_t *p = f.data;
  *p++ = 0x80 | opcode;
  if (ext == 0) {
    *p++ = 0x80 | (uint8_t)len;
  } else if (ext == 2) {
    *p++ = 0x80 | 126;
    *p++ = (uint8_t)(len >> 8);
    *p++ = (uint8_t)len;
  } else {
    *p++ = 0x80 | 127;
    for (int i = 7; i >= 0; i--) *p++ = (uint8_t)((uint64_t)len >> (8 * i));
  }
  memcpy(p, mask_key, 4);
  p += 4;
  for (size_t i = 0; i < len; i++) p[i] = payload[i] ^ mask_key[i & 3];
  return f;
}

bytes text_frame(const char *text) {
  return client_frame(0x1, (const uint8_t *)text, text ? strlen(text) : 0);
}

// --deflated-hex: a compressed message (RFC 7692 §7.2.1, made with client_no_context_takeover, so the
// same bytes are valid every time), in a frame with RSV1 set (§6).
static bytes deflated_frame(uint8_t opcode) {
  size_t len = strlen(opt.deflated_hex) / 2;
  uint8_t *payload = xmalloc(len);
  for (size_t i = 0; i < len; i++) {
    unsigned int byte;
    if (sscanf(opt.deflated_hex + 2 * i, "%2x", &byte) != 1) die("--deflated-hex");
    payload[i] = (uint8_t)byte;
  }
  bytes f = client_frame(0x40 | opcode, payload, len);
  free(payload);
  return f;
}

// The echo message: --msg, or --msg-bytes letters a-z repeated (bench/scenarios/wire-messages.ts payloadOf);
// a text frame, or a binary one with --binary 1.
bytes echo_frame(void) {
  uint8_t opcode = opt.is_binary ? 0x2 : 0x1;
  if (opt.deflated_hex) return deflated_frame(opcode);
  if (opt.msg_bytes <= 0) return client_frame(opcode, (const uint8_t *)opt.msg, opt.msg ? strlen(opt.msg) : 0);
  size_t len = (size_t)opt.msg_bytes;
  uint8_t *payload = xmalloc(len);
  for (size_t i = 0; i < len; i++) payload[i] = (uint8_t)('a' + i % 26);
  bytes f = client_frame(opcode, payload, len);
  free(payload);
  return f;
}

// Reads the header of the next frame; returns the bytes it consumed.
static size_t read_header(conn *c, const uint8_t *p, size_t n) {
  size_t take = c->hdr_need - c->hdr_have;
  if (take > n) take = n;
  memcpy(c->hdr + c->hdr_have, p, take);
  c->hdr_have += (uint8_t)take;
  if (c->hdr_have < c->hdr_need) return take;
  uint8_t len7 = c->hdr[1] & 0x7f;
  if (c->hdr_need == 2) {
    uint8_t extra = (uint8_t)((len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0));
    if (extra) {
      c->hdr_need = 2 + extra;
      return take;
    }
  }
  uint64_t len = len7;
  if (len7 == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
  if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; i++) len = (len << 8) | c->hdr[2 + i];
  }
  c->fin = c->hdr[0] >> 7;
  c->opcode = c->hdr[0] & 0x0f; // 0: a continuation, whose head is already kept
  if (c->opcode == 0x1 || c->opcode == 0x2) c->head_have = 0;
  c->ctrl_len = 0;
  c->payload_left = len;
  c->hdr_have = 0;
  c->hdr_need = 0;
  if (len == 0) {
    c->hdr_need = 2;
    on_frame(c);
  }
  return take;
}

// Keeps what replies.c needs (the first 2 payload bytes, control payloads) and counts frames.
void parse_frames(conn *c, const uint8_t *p, size_t n) {
  while (n > 0 && c->state != ST_CLOSED) {
    if (c->payload_left == 0 && c->hdr_need > 0) {
      size_t used = read_header(c, p, n);
      p += used;
      n -= used;
      continue;
    }
    size_t take = c->payload_left < n ? (size_t)c->payload_left : n;
    if (c->opcode & 0x8) {
      size_t room = sizeof c->ctrl - c->ctrl_len; // §5.5: at most 125 bytes
      size_t kept = take < room ? take : room;
      memcpy(c->ctrl + c->ctrl_len, p, kept);
      c->ctrl_len += (uint8_t)kept;
    } else {
      for (size_t i = 0; i < take && c->head_have < 2; i++) c->head[c->head_have++] = p[i];
    }
    p += take;
    n -= take;
    c->payload_left -= take;
    if (c->payload_left == 0) {
      c->hdr_need = 2;
      on_frame(c);
    }
  }
}
