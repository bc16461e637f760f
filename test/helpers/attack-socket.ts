// A raw WebSocket client for attacks: it writes whatever bytes it is told to (masked or not, whole
// or in pieces), can stop reading, and can reset the connection. Frames from the server are
// decoded by the suite's own FrameDecoder, which shares no code with lib/.
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { Frame, FrameDecoder, OP } from './raw-frames';
import { HttpHead, splitHead, upgradeRequest } from './raw-http';

const WAIT_MS = 5000;

export interface AttackSocketOptions {
  path: string;
  localAddress?: string;
  headers?: Record<string, string | string[] | null>;
  /** Wait this long for the 101. */
  waitMs?: number;
}

/** Reads an HTTP head, then frames, from one socket; keeps everything until asked for it. */
export class WireReader {
  private received = Buffer.alloc(0);
  private headValue: HttpHead | undefined;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private failure: Error | undefined;
  private closedAt: number | undefined;
  private wake: (() => void) | undefined;
  /** Payload bytes of data frames received so far. */
  dataBytes = 0;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.closedAt = Date.now();
      this.notify();
    });
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined;
  }

  get tcpClosedAt(): number | undefined {
    return this.closedAt;
  }

  async head(waitMs = WAIT_MS): Promise<HttpHead> {
    const deadline = Date.now() + waitMs;
    while (!this.headValue) {
      if (this.isClosed) throw new Error(`closed before an HTTP answer: ${JSON.stringify(this.received.toString('latin1').slice(0, 200))}`);
      await this.changed(deadline, 'an HTTP answer');
    }
    return this.headValue;
  }

  /** The next frame; rejects when the connection closes first or the wait runs out. */
  async frame(waitMs = WAIT_MS): Promise<Frame> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.failure) throw this.failure;
      if (this.isClosed) throw new Error('the connection closed with no further frame');
      await this.changed(deadline, 'a frame');
    }
  }

  /** Skips data and control frames until a close frame; returns its code (null for an empty payload). */
  async closeCode(waitMs = WAIT_MS): Promise<number | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const frame = await this.frame(Math.max(1, deadline - Date.now()));
      if (frame.opcode === OP.close) return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
    }
  }

  async tcpClosed(waitMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!this.isClosed) await this.changed(deadline, 'TCP close from the server');
  }

  /** Frames received and not yet read. */
  pending(): Frame[] {
    return this.frames.splice(0);
  }

  private onData(chunk: Buffer): void {
    if (this.headValue) this.decode(chunk);
    else {
      this.received = Buffer.concat([this.received, chunk]);
      const split = splitHead(this.received);
      if (split) {
        this.headValue = split.head;
        if (split.rest.length > 0) this.decode(split.rest);
      }
    }
    this.notify();
  }

  private decode(chunk: Buffer): void {
    if (this.failure) return;
    try {
      for (const frame of this.decoder.push(chunk)) {
        if (frame.opcode < OP.close) this.dataBytes += frame.payload.length;
        this.frames.push(frame);
      }
    } catch (error) {
      this.failure = error as Error;
    }
  }

  private changed(deadline: number, awaited: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new Error(`no ${awaited} within the wait (closed: ${this.isClosed})`));
      }, Math.max(0, deadline - Date.now()));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export class AttackSocket {
  readonly reader: WireReader;

  private constructor(readonly socket: Socket) {
    this.reader = new WireReader(socket);
    socket.on('error', () => undefined); // resets are part of the game; readers report closes
  }

  /** Connects and completes the opening handshake; rejects unless the answer is 101. */
  static async open(port: number, options: AttackSocketOptions): Promise<AttackSocket> {
    const socket = connect({ host: '127.0.0.1', port, localAddress: options.localAddress });
    socket.setNoDelay(true);
    const attacker = new AttackSocket(socket);
    try {
      socket.write(upgradeRequest(port, randomBytes(16).toString('base64'), { path: options.path, headers: options.headers }));
      const head = await attacker.reader.head(options.waitMs);
      if (head.statusCode !== 101) throw new Error(`${options.path}: handshake answered ${head.statusLine}`);
      return attacker;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  get isWritable(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded;
  }

  /** Resolves once the bytes are handed to the kernel; false when the socket is already done. */
  write(bytes: Buffer): Promise<boolean> {
    if (!this.isWritable) return Promise.resolve(false);
    return new Promise((resolve) => this.socket.write(bytes, (error) => resolve(!error)));
  }

  /** Writes `bytes` in pieces, each handed to the kernel before the next (one TCP segment each with Nagle off). */
  async writeInPieces(bytes: Buffer, pieceBytes: number): Promise<void> {
    for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
      if (!(await this.write(bytes.subarray(offset, offset + pieceBytes)))) return;
    }
  }

  /** Stops reading: the kernel buffers fill and the server's writes back up. */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  /** Sends a TCP RST instead of a FIN. */
  reset(): void {
    this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
