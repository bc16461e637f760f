import { IncomingMessage, maxHeaderSize } from 'node:http';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { incomingMessageOf } from './own-port-request';
import { HeadBytes, HeadReader, parseRequestHead } from './request-head';
import { writeRefusal } from './write-refusal';

export interface OwnPortServerOptions {
  /** From the accept to the end of the request head; past it, 408. */
  handshakeTimeoutMs: number;
  /**
   * A complete, well-formed request head; `head` is what followed it. The socket still flows, with no
   * 'data' listener: before returning, onRequest adds one, pauses the socket, or ends it, else what
   * arrives next is dropped. (Kept flowing, a connection that starts reading at once needs no resume.)
   */
  onRequest(request: IncomingMessage, socket: Socket, head: Buffer): void;
  /** A head refused before it reached onRequest (400, 408, 431). */
  onRefusal(refusal: HandshakeRefusal): void;
  /** An error of the listening socket after listen() (e.g. EMFILE on accept), or a throw while handing a head over (answered 500). */
  onError(error: Error): void;
}

/** A head still arriving, and when it must be complete. */
interface PendingHead {
  reader: HeadReader;
  deadlineMs: number;
}

/** Node's limit for a request head (--max-http-header-size, 16 KiB by default): past it, 431, as node:http answers. */
const MAX_HEAD_BYTES = maxHeaderSize;
const HEAD_TIMED_OUT = new HandshakeRefusal(408, 'request head not received within the handshake timeout');
const HEAD_TOO_LARGE = new HandshakeRefusal(431, 'request head too large');
const HEAD_MALFORMED = new HandshakeRefusal(400, 'malformed request head');
const INTERNAL_ERROR = new HandshakeRefusal(500, 'internal error');

/**
 * A gateway's own port: a net.Server reading each request head itself, strictly (request-head.ts),
 * with no node:http parser, IncomingMessage stream plumbing or response machinery in the way of a
 * handshake. One timer sweeps every head still arriving (slow-loris), as node:http's
 * connectionsCheckingInterval does; each socket gets two listeners, shared by all sockets.
 */
export class OwnPortServer {
  private readonly server: Server;
  private readonly pending = new Map<Socket, PendingHead>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: OwnPortServerOptions) {
    this.server = createServer({ noDelay: true }, (socket) => this.onSocket(socket));
  }

  async listen(port: number, host?: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', this.options.onError);
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting, drops heads still arriving, and resolves once every socket accepted here has closed. */
  async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const socket of this.pending.keys()) socket.destroy();
    this.pending.clear();
    if (!this.server.listening) return;
    await new Promise((resolve) => this.server.close(resolve));
  }

  private onSocket(socket: Socket): void {
    this.pending.set(socket, { reader: new HeadReader(), deadlineMs: Date.now() + this.options.handshakeTimeoutMs });
    socket.on('data', this.onHeadData);
    socket.on('error', ignoreHeadError);
    this.sweepTimer ??= this.startSweeping();
  }

  // One listener for every socket of this server: Node calls it with the socket as `this`.
  private readonly onHeadData = ((server: OwnPortServer) =>
    function onHeadData(this: Socket, chunk: Buffer): void {
      server.readHead(this, chunk);
    })(this);

  private readHead(socket: Socket, chunk: Buffer): void {
    const pending = this.pending.get(socket);
    if (pending === undefined) return;
    const complete = pending.reader.push(chunk);
    if (complete === undefined && pending.reader.isMalformed) {
      this.settle(socket);
      return this.refuse(socket, HEAD_MALFORMED);
    }
    if (complete === undefined && pending.reader.receivedBytes <= MAX_HEAD_BYTES) return;
    this.settle(socket);
    if (complete === undefined || complete.end > MAX_HEAD_BYTES) return this.refuse(socket, HEAD_TOO_LARGE);
    try {
      this.handOver(socket, complete);
    } catch (error) {
      // We run in the socket's 'data' event: a throw here would end the process for every connection.
      this.options.onError(error as Error);
      socket.on('error', ignoreHeadError);
      this.refuse(socket, INTERNAL_ERROR);
    }
  }

  private handOver(socket: Socket, { bytes, end }: HeadBytes): void {
    const head = parseRequestHead(bytes.toString('latin1', 0, end));
    if (head instanceof HandshakeRefusal) return this.refuse(socket, head);
    socket.off('error', ignoreHeadError);
    this.options.onRequest(incomingMessageOf(socket, head), socket, bytes.subarray(end));
  }

  /** The head is complete or refused: this server stops reading the socket. */
  private settle(socket: Socket): void {
    this.pending.delete(socket);
    socket.off('data', this.onHeadData);
  }

  private refuse(socket: Socket, refusal: HandshakeRefusal): void {
    this.options.onRefusal(refusal);
    writeRefusal(socket, refusal);
  }

  private startSweeping(): NodeJS.Timeout {
    // Up to one period late, as node:http's headersTimeout; a second at most.
    const timer = setInterval(() => this.sweep(), Math.min(1_000, this.options.handshakeTimeoutMs));
    timer.unref();
    return timer;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [socket, { deadlineMs }] of this.pending) {
      if (socket.destroyed) this.settle(socket);
      else if (now >= deadlineMs) {
        this.settle(socket);
        this.refuse(socket, HEAD_TIMED_OUT);
      }
    }
    if (this.pending.size > 0) return;
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}

// A reset before the head is complete is the peer leaving; its socket closes, and the sweep forgets it.
const ignoreHeadError = (): void => undefined;
