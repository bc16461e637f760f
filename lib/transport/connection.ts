import { isUtf8 } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { CloseCode } from '../protocol/close-code';
import { FrameParser } from '../protocol/frame-parser';
import { encodeClose, encodeFrame, encodeFrameHeader, encodeTextFrame, frameHeaderBytes, framePayloadOf } from '../protocol/frame-writer';
import { InboundEvent } from '../protocol/inbound-event';
import { DeflateParams } from '../protocol/extensions/permessage-deflate';
import { Opcode } from '../protocol/opcode';
import { ProtocolError } from '../protocol/protocol-error';
import { closeCodeFor } from './close-code-for';
import { CloseAction, CloseInput, CloseState, closeTransition } from './close-handshake';
import { newConnectionId } from './connection-id';
import { DeflateChannel, UncompressedRun } from './deflate/deflate-channel';
import { sharedCompressedFrame } from './deflate/shared-compressor';
import { endRead, startRead } from './read-sequence';
import { BudgetAnswer, OutboundBudget } from './outbound-budget';
import { SendQueue } from './send-queue';
import { newTrafficCounters, TrafficCounters } from './traffic-counters';

/** The WebSocket readyState values (same numbers as the browser API). */
export enum ReadyState {
  Connecting = 0,
  Open = 1,
  Closing = 2,
  Closed = 3,
}

export interface ConnectionOptions {
  /** Largest inbound message; 1009 above it. */
  maxMessageBytes: number;
  /** Frames one inbound message may take; 1008 above it. */
  maxFragmentsPerMessage?: number;
  /** How long to wait for the peer's close frame (or its FIN) before destroying the socket. */
  closeTimeoutMs: number;
  /** Outbound bytes queued in user space before the overflow policy applies. */
  maxBufferedBytes: number;
  /** Past maxBufferedBytes: close with 1008, or drop the message being sent. */
  onBufferOverflow: 'close' | 'drop';
  /** Told about errors thrown by our own listeners (the connection then closes with 1011). */
  onUnexpectedError?: (error: unknown, connection: Connection) => void;
  /** permessage-deflate parameters, when the handshake agreed on it (RFC 7692). */
  deflate?: DeflateParams;
  /**
   * Told when the socket has closed, before the 'close' event. One function for all the
   * connections of a route, so that tracking them costs no listener per connection.
   */
  onClose?: (connection: Connection, event: CloseEvent) => void;
  /** Where this connection's traffic is counted, shared by the connections of a route; a private set when absent. */
  counters?: TrafficCounters;
}

export interface CloseEvent {
  /** The peer's close code; the one we sent when the peer sent none; 1006 when no close frame was exchanged. */
  code: number;
  reason: string;
  /** Both close frames were exchanged before TCP closed (§7.1.4). */
  wasClean: boolean;
}

export interface ConnectionEvents {
  message: [data: string | Buffer];
  ping: [payload: Buffer];
  pong: [payload: Buffer];
  drain: [];
  close: [event: CloseEvent];
}

/** Payloads above this are written after their header instead of being copied into one frame. */
const COPY_THRESHOLD_BYTES = 64 * 1024;
/** Inbound messages waiting for zlib before the socket stops being read. */
const INBOUND_BACKLOG_MESSAGES = 16;
/** With permessage-deflate a read is parsed this much at a time (see parseInSlices). */
const INBOUND_SLICE_BYTES = 4 * 1024;
const EMPTY = Buffer.alloc(0);
/** ECONNRESET, EPIPE: 'close' follows and reports 1006. One function for every socket. */
const ignoreSocketError = (): void => undefined;

/**
 * One WebSocket over one TCP/TLS socket, after the opening handshake. Its closing handshake is
 * drawn and decided in close-handshake.ts; a socket error is followed by the socket's close.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** A random UUID. */
  readonly id = newConnectionId();
  /** Open from the start: a Connection is made after the 101 is written; reading waits for open(). */
  private closeState = CloseState.Open;
  /** A message arrived since the heartbeat last looked: cheaper than reading the clock per message. */
  private hasMessageSinceCheck = false;
  private lastMessageAt = Date.now();
  /** A pong arrived since the heartbeat last looked. */
  private hasPongSinceCheck = false;

  /** Made by the first bytes: an idle connection holds no parser, byte queue or assembler. */
  private frameParser: FrameParser | undefined;
  private readonly queue: SendQueue;
  /** The close frame is on the socket: nothing may follow it (§5.5.1). */
  private hasWrittenClose = false;
  private isReading = false;
  /** The rest of a read, left unparsed while the inflate backlog is full. */
  private unparsedRead: Buffer | undefined;
  /** send() returned false for messages waiting for zlib: 'drain' is owed once they have left. */
  private isAwaitingDrain = false;
  private peerClose: { code: number; reason: string } | undefined;
  private sentCloseCode: number = CloseCode.Abnormal;
  private closeTimer: NodeJS.Timeout | undefined;
  /** Set when the socket has closed. */
  private closeEvent: CloseEvent | undefined;
  /** `closed`, once someone asked for it. */
  private closedPromise: Promise<CloseEvent> | undefined;
  private resolveClosed: ((event: CloseEvent) => void) | undefined;
  private readonly deflate: DeflateChannel | undefined;
  private readonly counters: TrafficCounters;
  private readonly budget: OutboundBudget;

  constructor(
    private readonly socket: Duplex,
    private readonly options: ConnectionOptions,
    /** The negotiated subprotocol, if any. */
    readonly protocol?: string,
  ) {
    super();
    this.deflate = options.deflate && new DeflateChannel(options.deflate, options.maxMessageBytes, (run) => this.writeUncompressedRun(run));
    this.queue = new SendQueue(socket);
    this.counters = options.counters ?? newTrafficCounters();
    this.budget = new OutboundBudget(this.queue, options.maxBufferedBytes, options.onBufferOverflow, this.counters);
    Connection.bySocket.set(socket, this);
    socket.on('error', ignoreSocketError);
    socket.on('close', Connection.onSocketClose);
    socket.on('drain', Connection.onSocketDrain);
    socket.on('end', Connection.onSocketEnd);
  }

  // The socket's events reach their Connection through one function each, shared by every socket
  // (Node calls a listener with the socket as `this`): four closures fewer, 250 B per connection.
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
    Connection.bySocket.get(this)?.onSocketEnd();
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

  /**
   * When the peer last sent a message (ms since the epoch), for the idle timeout, as precise as
   * the checks: a message since the last call counts as sent `now`.
   */
  lastMessageSeenAt(now: number): number {
    if (this.hasMessageSinceCheck) {
      this.hasMessageSinceCheck = false;
      this.lastMessageAt = now;
    }
    return this.lastMessageAt;
  }

  /**
   * Bytes sent but not yet handed to the kernel (backpressure: wait for 'drain'). A message
   * waiting for or under compression counts at its uncompressed frame size until it is written.
   */
  get bufferedAmount(): number {
    // A destroyed socket discards what it held: nothing is buffered any more.
    if (this.socket.destroyed) return 0;
    return this.budget.bufferedBytes;
  }

  get readyState(): ReadyState {
    if (this.closeState === CloseState.Open) return ReadyState.Open;
    return this.closeState === CloseState.Closed ? ReadyState.Closed : ReadyState.Closing;
  }

  /** Starts reading. `head` is what arrived after the handshake, in the same packet. */
  open(head: Buffer = EMPTY): void {
    if (this.isReading) return;
    this.isReading = true;
    this.socket.on('data', Connection.onSocketData);
    if (head.length > 0) this.onData(head);
  }

  /**
   * Sends a text (string) or binary (Buffer) message. False when the connection is not open or its
   * socket is gone, when the message was dropped by the overflow policy, or when the caller should
   * wait for 'drain'.
   */
  send(data: string | Buffer): boolean {
    if (!this.canSend()) return false;
    if (typeof data === 'string') return this.deflate ? this.sendEncoded(encodeTextFrame(data), false) : this.sendText(data);
    if (data.length < COPY_THRESHOLD_BYTES || this.deflate) return this.sendEncoded(encodeFrame(data, { opcode: Opcode.Binary }), false);
    if (!this.admit(data.length + 10)) return false; // past 64 KiB the header is 10 bytes (§5.2)
    return this.enqueue(encodeFrameHeader(data.length, { opcode: Opcode.Binary }), false, 1, data);
  }

  /**
   * Writes an already encoded frame, e.g. one broadcast frame shared by many connections.
   * With permessage-deflate, a frame past the threshold goes out compressed (shared between
   * connections when there is no context takeover).
   */
  sendFrame(frame: Buffer): boolean {
    return this.sendEncoded(frame, true);
  }

  /** `isShared`: other connections are sent the same frame, so a backlog keeps it rather than a copy each. */
  private sendEncoded(frame: Buffer, isShared: boolean): boolean {
    if (!this.canSend()) return false;
    const { deflate } = this;
    if (deflate && (deflate.outbound.isBusy || deflate.shouldCompress(frame.length))) {
      if (!this.admit(frame.length)) return false;
      this.budget.enterCompressionBacklog(frame.length);
      if (deflate.shouldCompress(frame.length)) deflate.queueOutbound(() => this.sendCompressible(deflate, frame, isShared));
      else deflate.queueUncompressed(frame, isShared);
      // The same answer as a plain send: false from the socket's high-water mark on.
      if (this.bufferedAmount < this.socket.writableHighWaterMark) return true;
      this.isAwaitingDrain = true;
      return false;
    }
    return this.writeFrame(frame, isShared);
  }

  /** Text without permessage-deflate: encoded straight into the send queue's batch, the other way in (see enqueue). */
  private sendText(text: string): boolean {
    const payloadLength = Buffer.byteLength(text);
    const frameLength = frameHeaderBytes(payloadLength, false) + payloadLength;
    if (!this.admit(frameLength)) return false;
    this.countOut(1, frameLength);
    return this.queue.writeText(text, payloadLength);
  }

  private writeFrame(frame: Buffer, isShared: boolean): boolean {
    if (this.closeState !== CloseState.Open || !this.admit(frame.length)) return false;
    return this.enqueue(frame, isShared, 1);
  }

  /**
   * The way encoded frames reach the send queue (sendText encodes into it); `messageCount` is 0 for pings, pongs and close frames
   * (never held back by the overflow policy), more than 1 for a run. A large `payload` is written
   * after its header without a copy.
   */
  private enqueue(frame: Buffer, isShared: boolean, messageCount: number, payload?: Buffer): boolean {
    if (payload === undefined) {
      this.countOut(messageCount, frame.length);
      return this.queue.write(frame, isShared);
    }
    this.countOut(messageCount, frame.length + payload.length);
    return this.queue.writeParts(frame, payload);
  }

  /** Every frame handed to the send queue is counted here, once. */
  private countOut(messageCount: number, frameBytes: number): void {
    this.counters.messagesOut += messageCount;
    this.counters.bytesOut += frameBytes;
  }

  private async sendCompressible(deflate: DeflateChannel, frame: Buffer, isShared: boolean): Promise<void> {
    try {
      await this.compressThenWrite(deflate, frame, isShared);
    } finally {
      this.leaveCompressionBacklog(frame.length);
    }
  }

  /** Frames that waited behind zlib work, copied together: written as they are. */
  private writeUncompressedRun({ frames, messageCount }: UncompressedRun): void {
    const { byteLength } = frames;
    if (this.canWriteQueued()) {
      this.countOut(messageCount, 0); // its bytes are counted chunk by chunk
      // Its chunks are copied together already, or shared frames: the send queue keeps them as they are.
      frames.writeTo((bytes) => this.enqueue(bytes, true, 0));
    }
    this.leaveCompressionBacklog(byteLength);
  }

  /** Queued messages left the compression backlog (written or dropped): 'drain' may follow. */
  private leaveCompressionBacklog(byteLength: number): void {
    this.budget.leaveCompressionBacklog(byteLength);
    if (this.isAwaitingDrain) this.emitDrainIfBelowHighWater();
  }

  /**
   * Open, and the socket not destroyed: messages read before a reset are still delivered (they wait
   * for the socket's close in stream order), but a reply to one can never leave.
   */
  private canSend(): boolean {
    return this.closeState === CloseState.Open && !this.socket.destroyed;
  }

  /** Sent before close() still goes out: the close frame waits behind it in the same queue. */
  private canWriteQueued(): boolean {
    return !this.hasWrittenClose && this.closeState !== CloseState.Closed;
  }

  /** RFC 7692 §6: a compressed message is one frame with RSV1 set; small ones go out as they are. */
  private async compressThenWrite(deflate: DeflateChannel, frame: Buffer, isShared: boolean): Promise<void> {
    if (!this.canWriteQueued()) return;
    const { opcode, payload } = framePayloadOf(frame);
    if (!deflate.shouldCompress(payload.length)) return void this.writeQueued(frame, isShared);
    let compressed: Buffer;
    try {
      compressed = deflate.params.serverNoContextTakeover
        ? await sharedCompressedFrame(frame, deflate.params)
        : encodeFrame(await deflate.deflate(payload), { opcode, rsv1: true });
    } catch (error) {
      this.options.onUnexpectedError?.(error, this);
      return this.failConnection(CloseCode.InternalError, '');
    }
    // Without context takeover a shared frame's compressed form is shared too (shared-compressor.ts).
    this.writeQueued(compressed, isShared && deflate.params.serverNoContextTakeover);
  }

  /**
   * A frame from the outbound queue: written unless our close frame already left. It was admitted
   * (against maxBufferedBytes) when it was queued, so it is not judged a second time here.
   */
  private writeQueued(frame: Buffer, isShared: boolean): void {
    if (!this.canWriteQueued()) return;
    this.enqueue(frame, isShared, 1);
  }

  /** §5.5.2: a ping; the peer answers with a pong carrying the same payload. */
  ping(payload: Buffer = EMPTY): void {
    if (payload.length > 125) throw new RangeError('a ping payload is at most 125 bytes (RFC 6455 §5.5)');
    if (this.closeState === CloseState.Open) this.enqueue(encodeFrame(payload, { opcode: Opcode.Ping }), false, 0);
  }

  /** Starts the closing handshake (§7.1.2); the socket is destroyed if the peer does not answer in time. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    this.applyClose(CloseInput.AppClose, code, reason);
  }

  /** Destroys the socket at once, without a closing handshake. */
  terminate(): void {
    // The socket's 'close' comes later: until then send() must already answer false, not drop silently.
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

  /** The outbound budget's answer: false for a message dropped, or refused because the connection fails with 1008. */
  private admit(frameBytes: number): boolean {
    const answer = this.budget.admit(frameBytes);
    if (answer === BudgetAnswer.Close) this.failConnection(CloseCode.PolicyViolation, 'slow consumer');
    return answer === BudgetAnswer.Send;
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesIn += chunk.length;
    if (this.deflate) this.parseInSlices(this.deflate, chunk);
    else this.handleRead(this.parser.push(chunk));
  }

  /**
   * With permessage-deflate a read is parsed a slice at a time: once the inflate backlog is full,
   * the rest waits unparsed (a view, no copy) and the socket is paused. A read of thousands of tiny
   * compressed messages queued whole cost ~250 B each, 35 times the read.
   */
  private parseInSlices(deflate: DeflateChannel, bytes: Buffer): void {
    for (let at = 0; at < bytes.length; at += INBOUND_SLICE_BYTES) {
      if (deflate.inbound.size >= INBOUND_BACKLOG_MESSAGES) {
        this.unparsedRead = bytes.subarray(at);
        this.socket.pause();
        return;
      }
      this.handleRead(this.parser.push(bytes.subarray(at, at + INBOUND_SLICE_BYTES)));
    }
  }

  /** The socket ended or closed: what it read before is parsed now, whatever the backlog, to stay in order. */
  private parseUnparsedRead(): void {
    const rest = this.unparsedRead;
    if (rest === undefined) return;
    this.unparsedRead = undefined;
    this.handleRead(this.parser.push(rest));
  }

  private handleRead(events: readonly InboundEvent[]): void {
    startRead();
    this.queue.beginBatch();
    try {
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        // A compressed message inflates asynchronously; it and what follows it wait their turn.
        const { deflate } = this;
        if (deflate && (event.kind === 'compressed' || deflate.inbound.isBusy)) this.enqueueInbound(deflate, event);
        else this.handle(event);
      }
    } finally {
      endRead();
      this.queue.endBatch(); // what this read answered leaves in one write
    }
  }

  /**
   * In order behind the inflations before it. A peer that sends faster than zlib keeps up is
   * not read from until the backlog shrinks, so its messages wait in the kernel, not our heap.
   */
  private enqueueInbound(deflate: DeflateChannel, event: InboundEvent): void {
    if (deflate.inbound.size >= INBOUND_BACKLOG_MESSAGES) this.socket.pause();
    deflate.inbound.push(async () => {
      // A failed or closing connection inflates nothing more: the results would be dropped anyway.
      if (event.kind !== 'compressed') this.handle(event);
      else if (this.closeState === CloseState.Open) await this.inflateThenDeliver(deflate, event.isText, event.data);
      // Whatever the state: a closing connection must still read the peer's close frame and FIN.
      if (deflate.inbound.size <= INBOUND_BACKLOG_MESSAGES / 2 && this.socket.isPaused()) this.resumeReading(deflate);
    });
  }

  /** The inflate backlog has room again: the rest of the last read first, then the socket. */
  private resumeReading(deflate: DeflateChannel): void {
    const rest = this.unparsedRead;
    this.unparsedRead = undefined;
    if (rest) this.parseInSlices(deflate, rest);
    if (this.unparsedRead === undefined) this.socket.resume();
  }

  /**
   * The peer's FIN and the socket's close come after every byte read before them: with messages
   * still inflating, they wait their turn, so the messages are delivered and a close frame answered.
   */
  private inStreamOrder(step: (this: Connection) => void): void {
    const { deflate } = this;
    if (deflate?.inbound.isBusy) deflate.inbound.push(() => step.call(this));
    else step.call(this);
  }

  private async inflateThenDeliver(deflate: DeflateChannel, isText: boolean, data: Buffer): Promise<void> {
    let inflated: Buffer;
    try {
      inflated = await deflate.inflate(data);
    } catch (error) {
      const code = closeCodeFor(error);
      if (code === CloseCode.InternalError) this.options.onUnexpectedError?.(error, this);
      return this.failConnection(code, error instanceof ProtocolError ? error.message : '');
    }
    if (!isText) return this.deliver('message', inflated);
    if (!isUtf8(inflated)) return this.failConnection(CloseCode.InvalidPayload, 'text message is not valid UTF-8');
    this.deliver('message', inflated.toString('utf8'));
  }

  private handle(event: InboundEvent): void {
    switch (event.kind) {
      case 'text':
        return this.deliver('message', event.text);
      case 'binary':
        return this.deliver('message', event.data);
      case 'ping':
        // §5.5.3: answer with a pong carrying the ping's payload, unless closing. A peer that
        // pings but does not read gets no more pongs once they back up: they cannot grow our heap.
        if (this.closeState === CloseState.Open && this.budget.canPong()) {
          this.enqueue(encodeFrame(event.payload, { opcode: Opcode.Pong }), false, 0);
        }
        return this.deliver('ping', event.payload);
      case 'pong':
        this.hasPongSinceCheck = true;
        return this.deliver('pong', event.payload);
      case 'compressed':
        // Routed through enqueueInbound by onData; the parser yields these only with deflate negotiated.
        return this.failConnection(CloseCode.ProtocolError, 'unexpected compressed message');
      case 'close':
        return this.applyClose(CloseInput.PeerCloseFrame, event.code, event.reason);
      case 'failed':
        return this.failConnection(event.error.closeCode, event.error.message);
    }
  }

  /** The send queue's backlog goes out first; then 'drain', unless that refilled the socket. */
  private onSocketDrain(): void {
    this.queue.flush();
    this.emitDrainIfBelowHighWater();
  }

  /** 'drain' once what is buffered, compression backlog included, is below the socket's high-water mark. */
  private emitDrainIfBelowHighWater(): void {
    if (this.bufferedAmount >= this.socket.writableHighWaterMark) return;
    this.isAwaitingDrain = false;
    this.deliver('drain');
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
      this.options.onUnexpectedError?.(error, this);
      this.failConnection(closeCodeFor(error), '');
    }
  }

  /**
   * The one place the close state changes: closeTransition decides, this does the I/O in its order.
   * `code` and `reason`: ours to send, or the peer's to record and echo (§5.5.1).
   */
  private applyClose(input: CloseInput, code: number = CloseCode.Abnormal, reason = ''): void {
    const previous = this.closeState;
    const { next, actions } = closeTransition(previous, input);
    if (actions & CloseAction.RecordPeerClose) this.peerClose = { code, reason };
    if (actions & CloseAction.SendClose) this.sendClose(code, reason);
    this.closeState = next;
    if (actions & CloseAction.EndTcp) this.endAfterOutbound();
    if (actions & CloseAction.ArmCloseTimer) this.armCloseTimer();
    if (actions & CloseAction.DestroySocket) this.socket.destroy();
    // §7.1.4: clean only when both close frames were exchanged before TCP closed.
    if (actions & CloseAction.ReportClosed) this.reportClosed(previous === CloseState.CloseExchanged);
  }

  /** §7.1.7: send a close frame with the code, end TCP, and read nothing more. */
  private failConnection(code: number, reason: string): void {
    this.applyClose(CloseInput.Fail, code, reason);
  }

  /** The peer ended TCP without (or after) a close frame: end our half too, after what we still send. */
  private onSocketEnd(): void {
    this.parseUnparsedRead();
    this.inStreamOrder(this.onPeerEnd);
  }

  private onPeerEnd(): void {
    this.applyClose(CloseInput.PeerEnd);
  }

  private sendClose(code: number, reason: string): void {
    // §5.5: a close reason is at most 123 bytes; ours are short, but never trust a caller's.
    const safeReason = Buffer.byteLength(reason) <= 123 ? reason : '';
    const frame = encodeClose(code, safeReason); // throws for a code that may not be sent, before any state changes
    this.sentCloseCode = code;
    // After the messages still being compressed, so in-flight replies go out first. The wait for
    // the peer's answer starts when our frame leaves, not while messages before it compress.
    const writeClose = (): void => {
      this.hasWrittenClose = true;
      this.enqueue(frame, false, 0);
      this.armCloseTimer();
    };
    if (this.deflate?.outbound.isBusy) this.deflate.queueOutbound(writeClose);
    else writeClose();
  }

  /**
   * Ends TCP after our close frame (§7.1.1) and the messages before it, which may still be
   * compressing. Ending at once made them writes after end: they were lost and the socket
   * destroyed, so the peer saw TCP end with no close frame, and a reset if it kept sending.
   */
  private endAfterOutbound(): void {
    if (this.deflate?.outbound.isBusy) this.deflate.queueOutbound(() => this.queue.end());
    else this.queue.end();
  }

  private armCloseTimer(): void {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.options.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** Nothing more can be sent; what was read before the close is still delivered, in order. */
  private onSocketClose(): void {
    this.deflate?.clearOutbound();
    this.parseUnparsedRead();
    this.inStreamOrder(this.onClosedInOrder);
  }

  private onClosedInOrder(): void {
    this.applyClose(CloseInput.SocketClose);
  }

  private reportClosed(wasClean: boolean): void {
    // Here, not at the socket's close: a FIN read before it may have armed the timer in turn.
    clearTimeout(this.closeTimer);
    const { socket } = this;
    socket.off('data', Connection.onSocketData);
    socket.off('drain', Connection.onSocketDrain);
    socket.off('end', Connection.onSocketEnd);
    socket.off('close', Connection.onSocketClose);
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
      this.options.onUnexpectedError?.(error, this);
    }
  }
}
