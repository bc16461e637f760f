// A deliberately dumb WebSocket client over node:net: it sends exactly the bytes a test asks
// for (valid or not) and decodes what the server answers with its own FrameDecoder.
import { randomBytes } from 'node:crypto';
import { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { Frame, FrameDecoder, FrameSpec, OP, encodeFrame } from './raw-frames';
import { extendedConnect, opened, openSession } from './h2-peer';
import { HttpHead, acceptFor, headerOf, splitHead, tokensOf, upgradeRequest } from './raw-http';

/** Waits in helpers are bounded below Jest's 5 s default, so a hang fails with a clear message. */
export const DEFAULT_WAIT_MS = 3000;

export interface ConnectOptions {
  path?: string;
  protocols?: string[];
  /** An RFC 8441 extended CONNECT on its own HTTP/2 session (TLS, any certificate) instead of an HTTP/1.1 upgrade. */
  overHttp2?: boolean;
}

/** Byte-for-byte comparison that reports hex for small payloads and the first differing offset for large ones. */
const expectSameBytes = (actual: Buffer, expected: Buffer): void => {
  if (actual.length <= 256 && expected.length <= 256) {
    expect(actual.toString('hex')).toBe(expected.toString('hex'));
    return;
  }
  let firstDifference = -1;
  const common = Math.min(actual.length, expected.length);
  for (let i = 0; i < common && firstDifference < 0; i++) if (actual[i] !== expected[i]) firstDifference = i;
  if (firstDifference < 0 && actual.length !== expected.length) firstDifference = common;
  expect({ length: actual.length, firstDifference }).toEqual({ length: expected.length, firstDifference: -1 });
};

const describeFrame = (frame: Frame): string =>
  (frame.opcode === OP.close && frame.payload.length >= 2
    ? `close ${frame.payload.readUInt16BE(0)} ${JSON.stringify(frame.payload.subarray(2).toString())}`
    : `opcode 0x${frame.opcode.toString(16)} ${frame.payload.length} B` +
      (frame.payload.length <= 32 ? ` [${frame.payload.toString('hex')}]` : '')) + ` fin=${frame.fin} rsv=${frame.rsv}`;

export class RawClient {
  /** The subprotocol the server selected, if any. */
  protocol: string | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private failure: Error | null = null;
  private isClosed = false;
  private readonly closed: Promise<void>;
  private wake: (() => void) | null = null;

  /** The TCP socket, or the HTTP/2 stream (then `session` is its connection). */
  private constructor(
    private readonly socket: Duplex,
    session?: ClientHttp2Session,
  ) {
    socket.on('error', () => undefined); // a reset after the close is the peer's business; waits report it
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        session?.close();
        this.notify();
        resolve();
      }),
    );
  }

  /** Opens a TCP connection, performs the §4.1 handshake and checks the §4.2.2 answer. */
  static async connect(port: number, options: ConnectOptions = {}): Promise<RawClient> {
    if (options.overHttp2) return RawClient.connectOverHttp2(port, options);
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true); // one write, one segment: chopped delivery must really be chopped
    const client = new RawClient(socket);
    try {
      await client.handshake(port, options);
      return client;
    } catch (error) {
      await client.destroy();
      throw error;
    }
  }

  /**
   * RFC 8441: waits for the server's SETTINGS_ENABLE_CONNECT_PROTOCOL (§3), sends CONNECT with
   * `:protocol websocket` (§4, §5) on a session of its own and checks the 200.
   */
  private static async connectOverHttp2(port: number, options: ConnectOptions): Promise<RawClient> {
    const { session, settings } = await openSession(port);
    if (!settings.enableConnectProtocol) {
      session.destroy();
      throw new Error('the server did not announce SETTINGS_ENABLE_CONNECT_PROTOCOL');
    }
    const protocols = options.protocols ?? [];
    const stream = extendedConnect(session, options.path ?? '/echo', { 'sec-websocket-protocol': protocols.length > 0 ? protocols.join(', ') : undefined });
    const client = RawClient.onStream(stream, session);
    try {
      client.protocol = (await opened(stream))['sec-websocket-protocol'] as string | undefined;
      return client;
    } catch (error) {
      await client.destroy();
      throw error;
    }
  }

  /**
   * A client on an extended CONNECT stream (the caller awaits its 200). The server's END_STREAM is
   * answered with ours, as a TCP socket answers a FIN (RFC 8441 §6); `session` closes with the stream.
   */
  static onStream(stream: ClientHttp2Stream, session?: ClientHttp2Session): RawClient {
    const client = new RawClient(stream, session);
    stream.on('end', () => stream.end());
    stream.on('data', (chunk: Buffer) => client.receive(chunk));
    return client;
  }

  private async handshake(port: number, options: ConnectOptions): Promise<void> {
    const key = randomBytes(16).toString('base64');
    const protocols = options.protocols ?? [];
    const request = upgradeRequest(port, key, {
      path: options.path,
      headers: protocols.length > 0 ? { 'Sec-WebSocket-Protocol': protocols.join(', ') } : {},
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
        try {
          const split = splitHead(received);
          if (!split) return;
          // Frames may follow the head in the same chunk; the decoder takes over synchronously.
          this.socket.on('data', (next: Buffer) => this.receive(next));
          done(split.head);
          if (split.rest.length > 0) this.receive(split.rest);
        } catch (error) {
          done(error as Error);
        }
      };
      const onClose = (): void => done(new Error(`closed during the handshake: ${JSON.stringify(received.toString('latin1'))}`));
      this.socket.on('data', onData).on('close', onClose);
      this.socket.write(request);
    });
    if (head.statusCode !== 101) throw new Error(`handshake refused: ${head.statusLine}`);
    if (headerOf(head, 'sec-websocket-accept') !== acceptFor(key)) throw new Error('wrong Sec-WebSocket-Accept');
    if (!tokensOf(head, 'upgrade').includes('websocket')) throw new Error('101 without Upgrade: websocket');
    if (!tokensOf(head, 'connection').includes('upgrade')) throw new Error('101 without Connection: Upgrade');
    this.protocol = headerOf(head, 'sec-websocket-protocol');
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

  /** Writes raw bytes; resolves once they are handed to the kernel, or at once (false) when the socket is done. */
  write(bytes: Buffer): Promise<boolean> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)));
  }

  /** Writes `bytes` in pieces of `pieceBytes`, one write at a time, stopping if the server closes. */
  async writeChopped(bytes: Buffer, pieceBytes: number): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
      if (!(await this.write(bytes.subarray(offset, offset + pieceBytes)))) return;
    }
  }

  sendFrame(spec: FrameSpec): Promise<boolean> {
    return this.write(encodeFrame(spec));
  }

  /** The next frame from the server; rejects if the connection ends first or the wait runs out. */
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

  /** Reads one data message and checks it is a single unfragmented frame with this opcode and payload. */
  async expectMessage(opcode: number, payload: Buffer | string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const frame = await this.nextFrame(timeoutMs);
    if (frame.opcode !== opcode) throw new Error(`expected a frame with opcode 0x${opcode.toString(16)}, got ${describeFrame(frame)}`);
    expect({ opcode: frame.opcode, fin: frame.fin, rsv: frame.rsv }).toEqual({ opcode, fin: true, rsv: 0 });
    expectSameBytes(frame.payload, typeof payload === 'string' ? Buffer.from(payload) : payload);
  }

  /**
   * Reads a close frame with this code (null: an empty close payload) and optional reason,
   * then waits for the server to close TCP, and checks that nothing followed the close frame.
   */
  async expectClose(code: number | null, reason?: Buffer | string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const frame = await this.nextFrame(timeoutMs).catch((error: Error) => {
      throw new Error(`expected a close frame with code ${code}: ${error.message}`);
    });
    if (frame.opcode !== OP.close) throw new Error(`expected a close frame with code ${code}, got ${describeFrame(frame)}`);
    const actualCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
    expect({ code: actualCode, hasOneBytePayload: frame.payload.length === 1 }).toEqual({ code, hasOneBytePayload: false });
    if (reason !== undefined) expectSameBytes(frame.payload.subarray(2), typeof reason === 'string' ? Buffer.from(reason) : reason);
    await this.expectTcpClosed(timeoutMs);
  }

  /** Waits for the server to end the TCP connection (the socket's 'close' event) and checks no unread frame came before. */
  async expectTcpClosed(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isClosed) await this.changed(deadline, 'TCP close from the server');
    expect({ unreadFrames: this.frames.map(describeFrame), framingError: this.failure?.message }).toEqual({
      unreadFrames: [],
      framingError: undefined,
    });
  }

  /** Ends the test's use of the socket (an HTTP/2 stream's session closes with it); safe to call twice. */
  async destroy(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}
