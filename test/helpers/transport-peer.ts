// Raw peers for the transport e2e specs: a net socket that speaks exact client bytes (masked
// frames from lib's encodeFrame) and reads the server's frames with a client-role FrameParser.
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { connect, Socket } from 'node:net';
import { FrameParser } from '../../lib/protocol/frame-parser';
import { encodeClose, encodeFrame } from '../../lib/protocol/frame-writer';
import { InboundEvent } from '../../lib/protocol/inbound-event';
import { Opcode } from '../../lib/protocol/opcode';

/** A fixed, valid Sec-WebSocket-Key (base64 of 16 bytes). */
export const CLIENT_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

export interface UpgradeRequestOptions {
  protocols?: string[];
  /** Extra header lines, e.g. { Origin: 'https://evil.example' }. */
  headers?: Record<string, string>;
}

/** The bytes of a valid RFC 6455 §4.1 opening handshake for `path`. */
export function upgradeRequest(path: string, options: UpgradeRequestOptions = {}): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${CLIENT_KEY}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (options.protocols?.length) lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
  for (const [name, value] of Object.entries(options.headers ?? {})) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export interface HttpHead {
  status: number;
  statusLine: string;
  /** Lower-case names; the last occurrence wins. */
  headers: Record<string, string>;
}

const HEAD_END = '\r\n\r\n';

export function parseHead(text: string): HttpHead {
  const [statusLine, ...headerLines] = text.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), statusLine, headers };
}

export interface HttpAnswer {
  /** Everything the server wrote before the socket closed. */
  raw: Buffer;
  /** Undefined when the server closed the socket without answering. */
  head: HttpHead | undefined;
  body: string;
  /** The server ended its half (FIN) rather than only being destroyed by us. */
  didServerEnd: boolean;
}

/** Sends `request` on a fresh socket and collects the whole answer until the socket closes. */
export async function exchangeHttp(port: number, request: string | Buffer, sockets: Set<Socket>): Promise<HttpAnswer> {
  const socket = connect(port, '127.0.0.1');
  sockets.add(socket);
  socket.on('error', () => undefined); // a destroyed handshake shows as an empty answer
  const chunks: Buffer[] = [];
  let didServerEnd = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => {
    didServerEnd = true;
    socket.end();
  });
  socket.write(request);
  await once(socket, 'close');
  const raw = Buffer.concat(chunks);
  const text = raw.toString('utf8');
  const headEnd = text.indexOf(HEAD_END);
  if (headEnd < 0) return { raw, head: undefined, body: '', didServerEnd };
  return { raw, head: parseHead(text.slice(0, headEnd)), body: text.slice(headEnd + HEAD_END.length), didServerEnd };
}

/**
 * A WebSocket client that sends exactly what a test asks for and records every frame the
 * server sends as an InboundEvent (text, binary, ping, pong, close, failed).
 */
export class RawPeer extends EventEmitter {
  readonly events: InboundEvent[] = [];
  /** The 101 response. */
  head!: HttpHead;
  /** Resolves when the server ended its half of TCP (the peer keeps its own half open). */
  readonly ended: Promise<void>;
  /** Resolves when the socket is fully closed. */
  readonly closed: Promise<void>;
  private parser = new FrameParser({ role: 'client', maxMessageBytes: 64 << 20 });
  private cursor = 0;
  /** The server ended its half or the socket closed: every frame that will arrive has been read. */
  private hasNoMoreFrames = false;

  private constructor(readonly socket: Socket) {
    super();
    socket.on('error', () => undefined); // resets are what some tests provoke
    this.ended = new Promise((resolve) =>
      socket.once('end', () => {
        this.hasNoMoreFrames = true;
        this.emit('event');
        resolve();
      }),
    );
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.hasNoMoreFrames = true;
        this.emit('event');
        resolve();
      }),
    );
  }

  /** Connects, sends the handshake (and `extraBytes` in the same write), and waits for the 101. */
  static async connect(port: number, path: string, options: UpgradeRequestOptions & { extraBytes?: Buffer } = {}): Promise<RawPeer> {
    // allowHalfOpen: the peer ends its half of TCP only when a test says so.
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const peer = new RawPeer(socket);
    const request = Buffer.from(upgradeRequest(path, options));
    socket.write(options.extraBytes ? Buffer.concat([request, options.extraBytes]) : request);
    await peer.readHead();
    return peer;
  }

  /** Writes one masked frame (§5.3) with a fresh random mask key. */
  send(opcode: Opcode, payload: Buffer | string = Buffer.alloc(0), fin = true): boolean {
    return this.socket.write(RawPeer.frame(opcode, payload, fin));
  }

  sendClose(code: number, reason = ''): boolean {
    return this.socket.write(encodeClose(code, reason, randomBytes(4)));
  }

  static frame(opcode: Opcode, payload: Buffer | string = Buffer.alloc(0), fin = true): Buffer {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    return encodeFrame(bytes, { opcode, fin, maskKey: randomBytes(4) });
  }

  /** The next event not yet taken; rejects if the server ends TCP (or the socket closes) first. */
  async next(): Promise<InboundEvent> {
    while (this.cursor >= this.events.length) {
      if (this.hasNoMoreFrames) throw new Error(`the server ended TCP after ${this.events.length} events: ${this.describe()}`);
      await once(this, 'event');
    }
    return this.events[this.cursor++];
  }

  /** Skips events until one of `kind` arrives. */
  async nextOf<K extends InboundEvent['kind']>(kind: K): Promise<Extract<InboundEvent, { kind: K }>> {
    for (;;) {
      const event = await this.next();
      if (event.kind === kind) return event as Extract<InboundEvent, { kind: K }>;
    }
  }

  /** Events of one kind received so far. */
  eventsOf<K extends InboundEvent['kind']>(kind: K): Array<Extract<InboundEvent, { kind: K }>> {
    return this.events.filter((event): event is Extract<InboundEvent, { kind: K }> => event.kind === kind);
  }

  private describe(): string {
    return this.events.map((event) => event.kind).join(', ') || 'none';
  }

  private readHead(): Promise<void> {
    return new Promise((resolve, reject) => {
      let buffered = Buffer.alloc(0);
      const onHeadData = (chunk: Buffer): void => {
        buffered = Buffer.concat([buffered, chunk]);
        const headEnd = buffered.indexOf(HEAD_END);
        if (headEnd < 0) return;
        this.socket.off('data', onHeadData);
        this.head = parseHead(buffered.subarray(0, headEnd).toString('latin1'));
        if (this.head.status !== 101) return reject(new Error(`expected 101, got ${this.head.statusLine}`));
        // RFC 7692 §6: once deflate is agreed, the server may send compressed (RSV1) messages, even in the 101's own packet.
        if (this.head.headers['sec-websocket-extensions']?.startsWith('permessage-deflate')) {
          this.parser = new FrameParser({ role: 'client', maxMessageBytes: 64 << 20, isDeflateNegotiated: true });
        }
        // One persistent listener from here on, so no chunk falls between two awaits.
        this.socket.on('data', (data: Buffer) => this.onData(data));
        const rest = buffered.subarray(headEnd + HEAD_END.length);
        if (rest.length > 0) this.onData(Buffer.from(rest));
        resolve();
      };
      this.socket.on('data', onHeadData);
      // A no-op once the 101 has resolved the promise.
      void Promise.race([this.ended, this.closed]).then(() => reject(new Error(`the socket ended during the handshake: ${JSON.stringify(buffered.toString())}`)));
    });
  }

  private onData(chunk: Buffer): void {
    const events = this.parser.push(chunk);
    if (events.length === 0) return;
    this.events.push(...events);
    this.emit('event');
  }
}
