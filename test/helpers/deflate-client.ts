// permessage-deflate (RFC 7692) for black-box tests over raw net: a client that sends any
// Sec-WebSocket-Extensions offer, any frame (RSV1 included) and reads the server's frames with
// their RSV bits, plus a DEFLATE codec built on node:zlib directly — nothing from lib/.
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Frame, FrameDecoder, FrameSpec, OP, encodeFrame } from './raw-frames';
import { HttpExchange, HttpHead, acceptFor, headerOf, splitHead, upgradeRequest } from './raw-http';

export const DEFAULT_WAIT_MS = 3000;
/** RFC 7692 §7.2.1: the end of a sync flush, which the sender removes and the receiver appends. */
export const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** RSV1 in FrameSpec.rsv / Frame.rsv (RSV1 = 4, RSV2 = 2, RSV3 = 1). */
export const RSV1 = 4;

export interface DeflateOptions {
  /** LZ77 window, 9–15 (zlib's raw deflate has no 8). Default 15. */
  windowBits?: number;
  level?: number;
  /** Keep the trailing 00 00 ff ff (§7.2.1 says remove it; a receiver must cope either way). Default false. */
  keepTail?: boolean;
}

/** §7.2.1: DEFLATE with a sync flush, then the 4-octet tail removed. */
export const deflateMessage = (payload: Buffer | string, options: DeflateOptions = {}): Buffer => {
  const compressed = deflateRawSync(typeof payload === 'string' ? Buffer.from(payload) : payload, {
    windowBits: options.windowBits ?? 15,
    level: options.level ?? 6,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  if (options.keepTail) return compressed;
  expect(compressed.subarray(-4)).toEqual(TAIL);
  return compressed.subarray(0, compressed.length - 4);
};

/** §7.2.2: append the tail and inflate (no context taken over between messages). */
export const inflateMessage = (payload: Buffer): Buffer =>
  inflateRawSync(Buffer.concat([payload, TAIL]), { windowBits: 15, finishFlush: constants.Z_SYNC_FLUSH });

/**
 * §7.2.2 with context takeover: each message is inflated with the window of the ones before it.
 * All the messages so far, each with its tail, form one DEFLATE stream (every sync flush ends on
 * a byte boundary), so inflating them together and keeping the new bytes is exact.
 */
export class ContextInflater {
  private readonly wires: Buffer[] = [];
  private inflatedBytes = 0;

  inflate(payload: Buffer): Buffer {
    this.wires.push(payload, TAIL);
    const all = inflateRawSync(Buffer.concat(this.wires), { windowBits: 15, finishFlush: constants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.inflatedBytes);
    this.inflatedBytes = all.length;
    return fresh;
  }
}

export interface DeflateConnectOptions {
  path: string;
  /** Sec-WebSocket-Extensions value(s), one header line each; none when omitted. */
  extensions?: string | string[];
}

/** A data message as the server sent it: the frames, and the payload joined (and inflated when RSV1 was set). */
export interface ReceivedMessage {
  opcode: number;
  /** RSV1 on the first frame: the message was compressed. */
  isCompressed: boolean;
  frames: Frame[];
  /** The payload as sent on the wire, frames joined. */
  wire: Buffer;
  /** The message itself: `wire` inflated when compressed. */
  data: Buffer;
}

/** The Sec-WebSocket-Extensions a server answers `offer` with, on a fresh socket; the status too. */
export async function negotiateOverWire(port: number, path: string, offer: string | string[] | null): Promise<{ status: number; extensions: string | undefined }> {
  const key = randomBytes(16).toString('base64');
  const exchange = new HttpExchange(port, upgradeRequest(port, key, { path, headers: { 'Sec-WebSocket-Extensions': offer } }));
  try {
    const { head } = await exchange.result;
    if (head.statusCode === 101) expect(headerOf(head, 'sec-websocket-accept')).toBe(acceptFor(key));
    return { status: head.statusCode, extensions: headerOf(head, 'sec-websocket-extensions') };
  } finally {
    exchange.socket.destroy();
  }
}

const describeFrame = (frame: Frame): string =>
  frame.opcode === OP.close && frame.payload.length >= 2
    ? `close ${frame.payload.readUInt16BE(0)} ${JSON.stringify(frame.payload.subarray(2).toString())}`
    : `opcode 0x${frame.opcode.toString(16)} ${frame.payload.length} B fin=${frame.fin} rsv=${frame.rsv}`;

export class DeflateClient {
  /** The 101's Sec-WebSocket-Extensions, undefined when the server declined every offer. */
  extensions: string | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private failure: Error | null = null;
  private isClosed = false;
  private readonly closed: Promise<void>;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('error', () => undefined); // a reset after the close is the peer's business; waits report it
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.notify();
        resolve();
      }),
    );
  }

  static async connect(port: number, options: DeflateConnectOptions): Promise<DeflateClient> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const client = new DeflateClient(socket);
    try {
      await client.handshake(port, options);
      return client;
    } catch (error) {
      await client.destroy();
      throw error;
    }
  }

  private async handshake(port: number, options: DeflateConnectOptions): Promise<void> {
    const key = randomBytes(16).toString('base64');
    const request = upgradeRequest(port, key, {
      path: options.path,
      headers: options.extensions === undefined ? {} : { 'Sec-WebSocket-Extensions': options.extensions },
    });
    const head = await new Promise<HttpHead>((resolve, reject) => {
      let received = Buffer.alloc(0);
      const timer = setTimeout(() => done(new Error('no handshake answer within the wait')), DEFAULT_WAIT_MS);
      const done = (outcome: Error | HttpHead): void => {
        clearTimeout(timer);
        this.socket.off('data', onData).off('close', onClose);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        const split = splitHead(received);
        if (!split) return;
        this.socket.on('data', (next: Buffer) => this.receive(next));
        done(split.head);
        if (split.rest.length > 0) this.receive(split.rest);
      };
      const onClose = (): void => done(new Error(`closed during the handshake: ${JSON.stringify(received.toString('latin1'))}`));
      this.socket.on('data', onData).on('close', onClose);
      this.socket.write(request);
    });
    if (head.statusCode !== 101) throw new Error(`handshake refused: ${head.statusLine}`);
    if (headerOf(head, 'sec-websocket-accept') !== acceptFor(key)) throw new Error('wrong Sec-WebSocket-Accept');
    this.extensions = headerOf(head, 'sec-websocket-extensions');
  }

  private receive(chunk: Buffer): void {
    if (this.failure) return;
    try {
      this.frames.push(...this.decoder.push(chunk));
    } catch (error) {
      this.failure = error as Error;
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private changed(deadline: number, awaited: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        reject(new Error(`no ${awaited} within the wait (${this.frames.length} frames queued, closed: ${this.isClosed})`));
      }, Math.max(0, deadline - Date.now()));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Writes raw bytes; false when the socket is already done. */
  write(bytes: Buffer): Promise<boolean> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)));
  }

  /** Several frames in one write, so the server reads them together. */
  sendFrames(...specs: FrameSpec[]): Promise<boolean> {
    return this.write(Buffer.concat(specs.map(encodeFrame)));
  }

  /** One compressed message: RSV1 on its first frame only, the compressed bytes split across `fragments` frames. */
  sendCompressed(opcode: number, compressed: Buffer, fragments = 1): Promise<boolean> {
    const pieceBytes = Math.ceil(compressed.length / fragments);
    const specs: FrameSpec[] = [];
    for (let i = 0; i < fragments; i++) {
      specs.push({
        opcode: i === 0 ? opcode : OP.continuation,
        rsv: i === 0 ? RSV1 : 0,
        fin: i === fragments - 1,
        payload: compressed.subarray(i * pieceBytes, (i + 1) * pieceBytes),
      });
    }
    return this.sendFrames(...specs);
  }

  async nextFrame(timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.failure) throw this.failure;
      if (this.isClosed) throw new Error('the connection closed with no further frame');
      await this.changed(deadline, 'a frame');
    }
  }

  /**
   * The next data message (control frames in between are skipped), inflated when the server
   * compressed it: on its own, or with `inflater`'s context when the server takes its context over.
   */
  async nextMessage(inflater?: ContextInflater, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage> {
    const frames: Frame[] = [];
    for (;;) {
      const frame = await this.nextFrame(timeoutMs);
      if (frame.opcode === OP.close) throw new Error(`expected a data message, got ${describeFrame(frame)}`);
      if (frame.opcode === OP.ping || frame.opcode === OP.pong) continue;
      frames.push(frame);
      if (frame.fin) break;
    }
    const wire = Buffer.concat(frames.map((frame) => frame.payload));
    const isCompressed = (frames[0].rsv & RSV1) !== 0;
    return { opcode: frames[0].opcode, isCompressed, frames, wire, data: isCompressed ? (inflater ? inflater.inflate(wire) : inflateMessage(wire)) : wire };
  }

  /** A close frame with this code, then the server ending TCP, with nothing unread in between. */
  async expectClose(code: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const frame = await this.nextFrame(timeoutMs);
    expect(describeFrame(frame)).toMatch(new RegExp(`^close ${code} `));
    const deadline = Date.now() + timeoutMs;
    while (!this.isClosed) await this.changed(deadline, 'TCP close from the server');
    expect(this.frames.map(describeFrame)).toEqual([]);
  }

  async destroy(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}
