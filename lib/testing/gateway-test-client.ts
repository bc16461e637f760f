import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { Duplex } from 'node:stream';
import { ConnectionClosedError } from '../client/client-errors';
import { ClientEnvelope, decodeEnvelope, encodeEnvelope } from '../client/envelope';
import { PendingRequests } from '../client/pending-requests';
import { CloseCode } from '../protocol/close-code';
import { FrameParser } from '../protocol/frame-parser';
import { encodeClose, encodeFrame, encodeTextFrame } from '../protocol/frame-writer';
import { InboundEvent } from '../protocol/inbound-event';
import { Opcode } from '../protocol/opcode';
import { DataMatcher, describeMatcher, matchesData } from './data-matcher';
import { Inbox } from './inbox';
import { OpenedHandshake } from './open-handshake';
import { trackClient, untrackClient } from './open-test-clients';

/** A message as it arrived: text (with the envelope it carries, if any) or binary. */
type ReceivedMessage = { kind: 'text'; text: string; envelope: ClientEnvelope | undefined } | { kind: 'binary'; data: Buffer };

/** How the connection ended: the close frame's code and reason, or 1006 when none came. */
export interface CloseInfo {
  code: number;
  reason: string;
}

export interface TestClientSettings {
  /** Default bound of every wait: request, expectEvent, expectMessage, expectClose, close. */
  timeoutMs: number;
  maxMessageBytes: number;
}

const describeReceived = (message: ReceivedMessage): string =>
  message.kind === 'binary' ? `<binary, ${message.data.length} bytes>` : message.text.length > 200 ? `${message.text.slice(0, 200)}…` : message.text;

/** §5.3: every frame a client sends is masked with a fresh, unpredictable key. */
const maskKey = (): Buffer => randomBytes(4);

/**
 * A WebSocket client for tests of your gateways, made by `connectToGateway()`. Everything it
 * receives waits in an inbox until a test takes it, so nothing is lost between two awaits, and
 * every wait is bounded so a missing message fails with what did arrive.
 *
 * @example
 * const ws = await connectToGateway(app, '/chat');
 * await ws.request('join', { room: 'lobby', name: 'ada' });
 * ws.send('say', { room: 'lobby', text: 'hi' });
 * expect(await ws.expectEvent('said', { text: 'hi' })).toMatchObject({ from: 'ada' });
 */
export class GatewayTestClient {
  private readonly parser: FrameParser;
  private readonly inbox = new Inbox<ReceivedMessage>(describeReceived);
  private readonly pending = new PendingRequests();
  /** From the server's close frame (or our failure), before the TCP close. */
  private closeInfo: CloseInfo | undefined;
  /** Set once the TCP connection is closed. */
  private endedWith: CloseInfo | undefined;
  private hasSentClose = false;
  private readonly closed: Promise<CloseInfo>;
  /** The subprotocol the server selected; '' when none. */
  readonly protocol: string;
  /** The headers of the server's 101 response. */
  readonly handshakeHeaders: IncomingHttpHeaders;

  /** Made by connectToGateway(), past a successful handshake. */
  constructor(
    private readonly socket: Duplex,
    handshake: OpenedHandshake,
    private readonly settings: TestClientSettings,
  ) {
    this.protocol = handshake.protocol;
    this.handshakeHeaders = handshake.headers;
    this.parser = new FrameParser({ role: 'client', maxMessageBytes: settings.maxMessageBytes });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(this.handleSocketClose())));
    socket.on('data', (chunk: Buffer) => this.handleData(chunk));
    socket.on('error', () => undefined); // 'close' follows; the close info tells the test what happened
    trackClient(this);
    if (handshake.head.length > 0) this.handleData(handshake.head);
  }

  /** Has the connection ended (TCP closed)? */
  get isClosed(): boolean {
    return this.endedWith !== undefined;
  }

  /** Sends `{"event","data"}`. */
  send(event: string, data?: unknown): void {
    this.write(encodeTextFrame(encodeEnvelope(event, data), maskKey()), `"${event}"`);
  }

  /** Sends a message as is: a string as a text frame, a Buffer as a binary frame (for raw `@OnMessage()` handlers). */
  sendRaw(message: string | Buffer): void {
    const frame = typeof message === 'string' ? encodeTextFrame(message, maskKey()) : encodeFrame(message, { opcode: Opcode.Binary, maskKey: maskKey() });
    this.write(frame, 'a raw message');
  }

  /**
   * Sends `{"event","data","id"}` and resolves with the `data` of the reply that echoes the id.
   * Rejects with RequestError (`code`, `message`, `details`) when an error envelope answers it,
   * RequestTimeoutError, or ConnectionClosedError.
   */
  request<T = unknown>(event: string, data?: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
    const id = this.pending.nextId();
    const reply = this.pending.add(id, event, options.timeoutMs ?? this.settings.timeoutMs, () => undefined);
    try {
      this.write(encodeTextFrame(encodeEnvelope(event, data, id), maskKey()), `"${event}"`);
      this.pending.markSent(id);
    } catch (error) {
      this.pending.reject(id, error instanceof Error ? error : new Error(String(error)));
    }
    return reply as Promise<T>;
  }

  /**
   * Takes the first unread envelope of `event` whose data matches, waiting for it if needed, and
   * resolves with its data. Envelopes that do not match stay unread for later expectations.
   *
   * @param matcher a predicate, or a pattern the data must contain (like toMatchObject; expect.any() works in it)
   */
  async expectEvent<T = unknown>(event: string, matcher?: DataMatcher<T>, timeoutMs = this.settings.timeoutMs): Promise<T> {
    const message = await this.inbox.take(
      (candidate) => candidate.kind === 'text' && candidate.envelope?.event === event && (matcher === undefined || matchesData(candidate.envelope.data, matcher)),
      timeoutMs,
      () => `event "${event}"${matcher === undefined ? '' : ` matching ${describeMatcher(matcher)}`}`,
    );
    return (message as { envelope: ClientEnvelope<T> }).envelope.data as T;
  }

  /** Takes the next unread message of any kind, as it came: text as a string, binary as a Buffer. */
  async expectMessage(timeoutMs = this.settings.timeoutMs): Promise<string | Buffer> {
    const message = await this.inbox.take(() => true, timeoutMs, () => 'a message');
    return message.kind === 'text' ? message.text : message.data;
  }

  /** Waits for the connection to end; with `code`, fails unless the server closed with it. */
  async expectClose(code?: number, timeoutMs = this.settings.timeoutMs): Promise<CloseInfo> {
    const info = await this.waitForClose(timeoutMs, () => `the connection to close${code === undefined ? '' : ` with ${code}`}`);
    if (code !== undefined && info.code !== code) {
      throw new Error(`expected the connection to close with ${code}, it closed with ${info.code}${info.reason ? ` "${info.reason}"` : ''}`);
    }
    return info;
  }

  /**
   * The closing handshake (§7.1.2): sends a close frame, waits for the server's and for the TCP
   * close; destroys the socket if that takes longer than the timeout. Safe to call twice.
   */
  async close(code: number = CloseCode.Normal, reason = ''): Promise<CloseInfo> {
    if (this.endedWith) return this.endedWith;
    if (!this.hasSentClose) {
      this.hasSentClose = true;
      this.socket.write(encodeClose(code, reason, maskKey()));
    }
    try {
      return await this.waitForClose(this.settings.timeoutMs, () => 'the server to finish the closing handshake');
    } catch {
      this.socket.destroy();
      return this.closed;
    }
  }

  /** Drops the TCP connection without a closing handshake, as a lost network would. */
  terminate(): void {
    this.socket.destroy();
  }

  private write(frame: Buffer, what: string): void {
    if (this.hasSentClose || this.closeInfo || this.socket.destroyed) {
      throw new ConnectionClosedError(this.closeInfo?.code ?? CloseCode.Abnormal, this.closeInfo?.reason ?? '', `cannot send ${what}: the connection is closing or closed`);
    }
    this.socket.write(frame);
  }

  private async waitForClose(timeoutMs: number, expected: () => string): Promise<CloseInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`expected ${expected()} within ${timeoutMs} ms; it is still open`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private handleData(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) this.handleEvent(event);
  }

  private handleEvent(event: InboundEvent): void {
    switch (event.kind) {
      case 'text': {
        const envelope = decodeEnvelope(event.text);
        if (envelope && this.pending.settle(envelope)) return;
        this.inbox.push({ kind: 'text', text: event.text, envelope });
        return;
      }
      case 'binary':
        this.inbox.push({ kind: 'binary', data: event.data });
        return;
      case 'ping':
        // §5.5.3: a pong echoes the ping's payload; the server's heartbeat needs it.
        if (!this.hasSentClose) this.socket.write(encodeFrame(event.payload, { opcode: Opcode.Pong, maskKey: maskKey() }));
        return;
      case 'pong':
        return;
      case 'close':
        this.closeInfo = { code: event.code, reason: event.reason };
        // §5.5.1: answer a close frame with one; the server then ends the TCP connection (§7.1.1).
        if (!this.hasSentClose) {
          this.hasSentClose = true;
          this.socket.write(encodeClose(event.code === CloseCode.NoStatus ? CloseCode.NoStatus : event.code, '', maskKey()));
        }
        return;
      case 'compressed':
        // Never offered, so never negotiated: the parser fails RSV1 before this. Kept for exhaustiveness.
        this.failConnection(CloseCode.ProtocolError, 'a compressed message, which was never negotiated');
        return;
      case 'failed':
        this.failConnection(event.error.closeCode, event.error.message);
        return;
    }
  }

  /** §7.1.7: the server broke the protocol; the test sees the code and reason we closed with. */
  private failConnection(code: number, reason: string): void {
    this.closeInfo = { code, reason: `the test client failed the connection: ${reason}` };
    if (!this.hasSentClose) {
      this.hasSentClose = true;
      this.socket.end(encodeClose(code, '', maskKey()));
    }
  }

  private handleSocketClose(): CloseInfo {
    // §7.1.5: no close frame before the TCP close is 1006.
    const info = this.closeInfo ?? { code: CloseCode.Abnormal, reason: '' };
    this.endedWith = info;
    const closed = new ConnectionClosedError(info.code, info.reason);
    this.pending.rejectAll(closed);
    this.inbox.fail(closed);
    untrackClient(this);
    return info;
  }
}
