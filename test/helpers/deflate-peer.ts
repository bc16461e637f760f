// permessage-deflate on both ends of a RawPeer, for the transport sweeps: the offers a test makes,
// the client's compressed frames, and the server's messages read back as text in order.
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { PerMessageDeflateOptions } from '../../lib/protocol/extensions/permessage-deflate';
import { encodeFrame } from '../../lib/protocol/frame-writer';
import { InboundEvent } from '../../lib/protocol/inbound-event';
import { Opcode } from '../../lib/protocol/opcode';
import { ContextInflater, inflateMessage } from './deflate-client';
import { RawPeer } from './transport-peer';

/** One column of a sweep: no deflate, or deflate with or without context takeover (RFC 7692 §7.1.1). */
export interface DeflateMode {
  name: string;
  /** The route's perMessageDeflate; undefined for none. */
  route: PerMessageDeflateOptions | undefined;
  /** The client's offer, as upgrade headers. */
  offer: { headers?: Record<string, string> };
}

export const DEFLATE_MODES: readonly DeflateMode[] = [
  { name: 'deflate off', route: undefined, offer: {} },
  {
    name: 'deflate, context takeover',
    route: { serverNoContextTakeover: false, clientNoContextTakeover: false },
    offer: { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate' } },
  },
  {
    name: 'deflate, no context takeover',
    route: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    offer: { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; server_no_context_takeover; client_no_context_takeover' } },
  },
];

/** A masked text frame, compressed on its own (§7.2.1), which any agreed context may read. */
export function compressedTextFrame(text: string): Buffer {
  const compressed = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return encodeFrame(compressed.subarray(0, compressed.length - 4), { opcode: Opcode.Text, rsv1: true, maskKey: randomBytes(4) });
}

/** A masked text frame: compressed when the mode agreed on deflate. */
export function clientTextFrame(mode: DeflateMode, text: string): Buffer {
  return mode.route ? compressedTextFrame(text) : RawPeer.frame(Opcode.Text, text);
}

/** Reads the server's messages as text, inflating compressed ones with the agreed context. */
export class ServerMessageReader {
  private readonly contextInflater: ContextInflater | undefined;

  constructor(mode: DeflateMode) {
    this.contextInflater = mode.route?.serverNoContextTakeover === false ? new ContextInflater() : undefined;
  }

  /** The text of a data event, or undefined for a control frame. */
  textOf(event: InboundEvent): string | undefined {
    if (event.kind === 'text') return event.text;
    return this.bytesOf(event)?.toString('utf8');
  }

  /** The payload of a binary or compressed event, inflated; undefined for anything else. */
  bytesOf(event: InboundEvent): Buffer | undefined {
    if (event.kind === 'binary') return event.data;
    if (event.kind !== 'compressed') return undefined;
    return this.contextInflater ? this.contextInflater.inflate(event.data) : inflateMessage(event.data);
  }
}
