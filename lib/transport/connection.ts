import { Duplex } from 'node:stream';
import { CloseCode } from '../protocol/close-code';
import { FrameParser } from '../protocol/frame-parser';
import { InboundEvent } from '../protocol/inbound-event';
import { ProtocolError } from '../protocol/protocol-error';
import { closeCodeFor } from './close-code-for';
import { CloseAction, CloseInput, CloseState, closeTransition, readyStateOf } from './close-handshake';
import { CloseEvent, ConnectionEvents, ConnectionOptionsOf, ReadyState } from './connection-events';
import { newConnectionId } from './connection-id';
import { ConnectionOutbound } from './connection-outbound';
import { DeflateChannel } from './deflate/deflate-channel';
import { InboundOrder } from './deflate/inbound-order';
import { inflatedMessage } from './deflate/message-inflater';
import { ZLIB_ON_LOOP_BYTES_PER_READ } from './deflate/zlib-pool';
import { MessageLink } from './message-link';

export { ReadyState };
export type { CloseEvent, ConnectionEvents };
export type ConnectionOptions = ConnectionOptionsOf<Connection>;
type CompressedEvent = Extract<InboundEvent, { kind: 'compressed' }>;

/** ECONNRESET, EPIPE: 'close' follows and reports 1006. One function for every socket. */
const ignoreSocketError = (): void => undefined;

/**
 * One WebSocket over one TCP/TLS socket, after the opening handshake. Its closing handshake is
 * drawn and decided in close-handshake.ts; a socket error is followed by the socket's close.
 */
export class Connection extends ConnectionOutbound<ConnectionOptions> implements MessageLink {
  /** A random UUID. */
  readonly id = newConnectionId();
  /** A message arrived since the heartbeat last looked: cheaper than reading the clock per message. */
  private hasMessageSinceCheck = false;
  private lastMessageAt = Date.now();
  /** A pong arrived since the heartbeat last looked. */
  private hasPongSinceCheck = false;
  /** Made by the first bytes: an idle connection holds no parser, byte queue or assembler. */
  private frameParser: FrameParser | undefined;
  private isReading = false;
  /** With permessage-deflate: events in stream order around the inflations. */
  private readonly inbound: InboundOrder | undefined;
  /** Inflated on the loop since the last socket read (characters for text: at most its bytes). */
  private loopInflatedBytes = 0;
  private peerClose: { code: number; reason: string } | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  /** Set when the socket has closed. */
  private closeEvent: CloseEvent | undefined;
  /** `closed`, once someone asked for it. */
  private closedPromise: Promise<CloseEvent> | undefined;
  private resolveClosed: ((event: CloseEvent) => void) | undefined;

  constructor(
    socket: Duplex,
    options: ConnectionOptions,
    /** The negotiated subprotocol, if any. */
    readonly protocol?: string,
  ) {
    super(socket, options);
    const { deflate } = this;
    if (deflate) {
      // A closed connection parses nothing (reportClosed dropped its parser): not even a read left unparsed.
      const parse = (bytes: Buffer): void => {
        if (this.closeEvent === undefined) this.handleRead(this.parser.push(bytes));
      };
      this.inbound = new InboundOrder(socket, deflate.inbound, parse, (event) => this.handleInTurn(deflate, event));
    }
    Connection.bySocket.set(socket, this);
    socket.on('error', ignoreSocketError);
    socket.on('close', Connection.onSocketClose);
    socket.on('drain', Connection.onSocketDrain);
    socket.on('end', Connection.onSocketEnd);
  }

  // The socket's events reach their Connection through one function each, shared by every socket
  // (Node calls a listener with the socket as `this`): four closures fewer, 250 B per connection.
  // The way back is our own map, not a field on the socket (STYLE.md §8: no fields of ours on
  // another library's objects; 0358162 tried a symbol property: 18 ns less per read, noise end to end).
  private static readonly bySocket = new WeakMap<Duplex, Connection>();

  private static onSocketData(this: Duplex, chunk: Buffer): void {
    Connection.bySocket.get(this)?.onData(chunk);
  }

  private static onSocketClose(this: Duplex): void {
    Connection.bySocket.get(this)?.onSocketClose();
  }

  private static onSocketDrain(this: Duplex): void {
    Connection.bySocket.get(this)?.onSocketDrain();
  }

  private static onSocketEnd(this: Duplex): void {
    // The peer ended TCP without (or after) a close frame: we end our half too, after what we still send.
    Connection.bySocket.get(this)?.inStreamOrder(CloseInput.PeerEnd);
  }

  /** Resolves once, when the socket has closed (made on first use: most connections are never asked). */
  get closed(): Promise<CloseEvent> {
    this.closedPromise ??= this.closeEvent ? Promise.resolve(this.closeEvent) : new Promise((resolve) => (this.resolveClosed = resolve));
    return this.closedPromise;
  }

  /** True when a pong arrived since the last call, for the heartbeat. */
  pongSeenSinceLastCheck(): boolean {
    const hasPong = this.hasPongSinceCheck;
    this.hasPongSinceCheck = false;
    return hasPong;
  }

  /** When the peer last sent a message (ms since the epoch), for the idle timeout: one since the last call counts as sent `now`. */
  lastMessageSeenAt(now: number): number {
    if (this.hasMessageSinceCheck) {
      this.hasMessageSinceCheck = false;
      this.lastMessageAt = now;
    }
    return this.lastMessageAt;
  }

  get readyState(): ReadyState {
    return readyStateOf(this.closeState);
  }

  /** A getter, not a field: no bytes per connection. */
  get kind(): 'websocket' {
    return 'websocket';
  }

  /** False until open(): the upgrade listener opens it once the gateway has started it. */
  get hasStartedReading(): boolean {
    return this.isReading;
  }

  /** Starts reading. `head` is what arrived after the handshake, in the same packet. */
  open(head?: Buffer): void {
    // Closed before reading started (the peer left while the gateway started it): nothing to read, and
    // a parser made now would hold what the peer left unfinished (reportClosed dropped it).
    if (this.isReading || this.closeEvent !== undefined) return;
    this.isReading = true;
    this.socket.on('data', Connection.onSocketData);
    if (head && head.length > 0) this.onData(head);
  }

  /** Starts the closing handshake (§7.1.2); the socket is destroyed if the peer does not answer in time. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    this.applyClose(CloseInput.AppClose, code, reason);
  }

  /** Destroys the socket at once, without a closing handshake. */
  terminate(): void {
    this.applyClose(CloseInput.Terminate);
  }

  private get parser(): FrameParser {
    this.frameParser ??= new FrameParser({
      role: 'server',
      maxMessageBytes: this.options.maxMessageBytes,
      maxFragmentsPerMessage: this.options.maxFragmentsPerMessage,
      isDeflateNegotiated: this.deflate !== undefined,
    });
    return this.frameParser;
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.length;
    this.loopInflatedBytes = 0;
    if (this.inbound) this.inbound.read(chunk);
    else this.handleRead(this.parser.push(chunk));
  }

  private handleRead(events: readonly InboundEvent[]): void {
    // One clock read per socket read, not per message: it goes with each message of the read.
    const receivedAtMs = performance.now();
    this.queue.beginBatch();
    const { inbound } = this;
    try {
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        // Behind a message inflating on the thread pool, an event waits its turn.
        if (inbound?.mustWait()) inbound.enqueue(event);
        else this.handle(event, receivedAtMs);
      }
    } finally {
      this.queue.endBatch(); // what this read answered leaves in one write
    }
  }

  /** An event's turn behind the inflations before it. A failed or closing connection inflates nothing more. */
  private handleInTurn(deflate: DeflateChannel, event: InboundEvent): void | Promise<void> {
    if (event.kind !== 'compressed') return this.handle(event, performance.now());
    if (this.closeState === CloseState.Open && !this.deliverInflatedNow(deflate, event, performance.now())) {
      return this.inflateThenDeliver(deflate, event.isText, event.data);
    }
  }

  /** A compressed message nothing waits before: inflated at once when small, else it and what follows queue for the thread pool. */
  private onCompressed(event: CompressedEvent, receivedAtMs: number): void {
    const { deflate, inbound } = this;
    // The parser yields these only with deflate negotiated.
    if (!deflate || !inbound) return this.failConnection(CloseCode.ProtocolError, 'unexpected compressed message');
    if (this.closeState === CloseState.Open && !this.deliverInflatedNow(deflate, event, receivedAtMs)) inbound.enqueue(event);
  }

  /** Inflated and delivered at once (DeflateChannel.inflateNow), or failed; false when it needs the thread pool. */
  private deliverInflatedNow(deflate: DeflateChannel, { data, isText }: CompressedEvent, receivedAtMs: number): boolean {
    if (this.loopInflatedBytes >= ZLIB_ON_LOOP_BYTES_PER_READ) return false;
    let message: string | Buffer | undefined;
    try {
      message = deflate.inflateNow(data, isText);
    } catch (error) {
      this.failInflation(error);
      return true;
    }
    if (message === undefined) return false;
    this.loopInflatedBytes += message.length;
    this.deliver('message', message, receivedAtMs);
    return true;
  }

  private async inflateThenDeliver(deflate: DeflateChannel, isText: boolean, data: Buffer): Promise<void> {
    let message: string | Buffer;
    try {
      message = inflatedMessage(await deflate.inflate(data), isText);
    } catch (error) {
      return this.failInflation(error);
    }
    this.deliver('message', message, performance.now());
  }

  private failInflation(error: unknown): void {
    const code = closeCodeFor(error);
    if (code === CloseCode.InternalError) this.reportUnexpected(error);
    this.failConnection(code, error instanceof ProtocolError ? error.message : '');
  }

  private handle(event: InboundEvent, receivedAtMs: number): void {
    switch (event.kind) {
      case 'text':
        return this.deliverMessage(event.text, event.utf8, event.isInPlace, receivedAtMs);
      case 'binary':
        return this.deliverMessage(event.data, event.data, event.isInPlace, receivedAtMs);
      case 'ping':
        this.pong(event.payload);
        return this.deliver('ping', event.payload);
      case 'pong':
        this.hasPongSinceCheck = true;
        return this.deliver('pong', event.payload);
      case 'compressed':
        return this.onCompressed(event, receivedAtMs);
      case 'close':
        return this.applyClose(CloseInput.PeerCloseFrame, event.code, event.reason);
      case 'failed':
        return this.failConnection(event.error.closeCode, event.error.message);
    }
  }

  /** The bytes a message arrived in stay at hand while its listeners run, for an echo (ConnectionOutbound.sendDelivered). */
  private deliverMessage(message: string | Buffer, payload: Buffer | undefined, isInPlace: true | undefined, receivedAtMs: number): void {
    if (payload === undefined) return this.deliver('message', message, receivedAtMs);
    this.deliveringText = typeof message === 'string' ? message : undefined;
    this.deliveringPayload = payload;
    this.isDeliveringInPlace = isInPlace === true;
    try {
      this.deliver('message', message, receivedAtMs);
    } finally {
      this.deliveringText = this.deliveringPayload = undefined;
    }
  }

  protected override emitDrain(): void {
    this.deliver('drain');
  }

  protected override holdReading(): void {
    this.inbound?.holdReading();
  }

  protected override releaseReading(): void {
    this.inbound?.releaseReading();
  }

  protected override reportUnexpected(error: unknown): void {
    this.options.onUnexpectedError?.(error, this);
  }

  /** Our own listeners never let an exception reach the socket's 'data' handler. */
  private deliver<E extends 'message' | 'ping' | 'pong' | 'drain'>(name: E, ...args: ConnectionEvents[E]): void {
    if (this.closeState !== CloseState.Open) return;
    if (name === 'message') {
      this.hasMessageSinceCheck = true;
      this.counters.messagesIn++;
    }
    try {
      (this.emit as (name: E, ...args: ConnectionEvents[E]) => boolean)(name, ...args);
    } catch (error) {
      this.reportUnexpected(error);
      this.failConnection(closeCodeFor(error), '');
    }
  }

  /** The one place the close state changes: closeTransition decides, this does the I/O in its order. */
  private applyClose(input: CloseInput, code: number = CloseCode.Abnormal, reason = ''): void {
    // `code` and `reason`: ours to send, or the peer's to record and echo (§5.5.1).
    const previous = this.closeState;
    const { next, actions } = closeTransition(previous, input);
    if (actions & CloseAction.RecordPeerClose) this.peerClose = { code, reason };
    if (actions & CloseAction.SendClose) this.sendClose(code, reason);
    this.closeState = next;
    if (actions & CloseAction.EndTcp) this.endAfterOutbound();
    if (actions & CloseAction.ArmCloseTimer) this.armCloseTimer();
    if (actions & CloseAction.DestroySocket) this.abortSocket();
    // §7.1.4: clean only when both close frames were exchanged before TCP closed.
    if (actions & CloseAction.ReportClosed) this.reportClosed(previous === CloseState.CloseExchanged);
  }

  /** §7.1.7: send a close frame with the code, end TCP, and read nothing more. */
  protected override failConnection(code: number, reason: string): void {
    this.applyClose(CloseInput.Fail, code, reason);
  }

  /** The peer's FIN or the socket's close, after what was read before it: parsed now whatever the backlog (the end of a read left unparsed too). */
  private inStreamOrder(input: CloseInput.PeerEnd | CloseInput.SocketClose): void {
    const { inbound } = this;
    if (inbound === undefined) return this.applyClose(input);
    inbound.parseUnparsedRead();
    inbound.inStreamOrder(() => this.applyClose(input)); // once per connection, deflate only
  }

  protected override armCloseTimer(): void {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.abortSocket(), this.options.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** TCP's RST, or its equivalent on the stream (options.abortSocket). */
  private abortSocket(): void {
    const { abortSocket } = this.options;
    if (abortSocket) abortSocket(this.socket);
    else this.socket.destroy();
  }

  /** Nothing more can be sent; what was read before the close is still delivered, in order. */
  private onSocketClose(): void {
    this.deflate?.clearOutbound();
    this.inStreamOrder(CloseInput.SocketClose);
  }

  private reportClosed(wasClean: boolean): void {
    // Here, not at the socket's close: a FIN read before it may have armed the timer in turn.
    clearTimeout(this.closeTimer);
    const { socket } = this;
    socket.off('data', Connection.onSocketData);
    socket.off('drain', Connection.onSocketDrain);
    socket.off('end', Connection.onSocketEnd);
    socket.off('close', Connection.onSocketClose);
    // Nothing more is read: a closed Connection that user code still reaches (or its handshake request,
    // through the socket) holds neither the socket's way back to it nor a message the peer left unfinished.
    Connection.bySocket.delete(socket);
    this.frameParser = undefined;
    this.deflate?.close();
    const event: CloseEvent = this.peerClose
      ? { code: this.peerClose.code, reason: this.peerClose.reason, wasClean }
      : { code: this.sentCloseCode, reason: '', wasClean: false };
    this.closeEvent = event;
    this.resolveClosed?.(event);
    try {
      this.options.onClose?.(this, event);
      this.emit('close', event);
    } catch (error) {
      this.reportUnexpected(error);
    }
  }
}
