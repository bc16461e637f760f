// A WebSocket double for the client's unit tests: the test plays the server and the network,
// opening, answering and dropping each socket the client creates, with no timers of its own.
import { WebSocketLike } from '../../../lib/client';

/** One shape for every event: each listener reads the fields its event has. */
type FakeEvent = { data: unknown; code: number; reason: string; wasClean: boolean };
const NO_EVENT: FakeEvent = { data: undefined, code: 0, reason: '', wasClean: false };
type Listener = (event: FakeEvent) => void;

export interface SentEnvelope {
  event: string;
  data?: unknown;
  id?: number;
}

export class FakeWebSocket implements WebSocketLike {
  /** Every socket the client made, oldest first; reset by `FakeWebSocket.reset()` in beforeEach. */
  static sockets: FakeWebSocket[] = [];

  static reset(): void {
    FakeWebSocket.sockets = [];
  }

  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.sockets.at(-1);
    if (!socket) throw new Error('the client has not created a socket');
    return socket;
  }

  readyState = 0;
  readonly sent: string[] = [];
  /** What the client passed to close(), if it did. */
  closeCall: { code?: number; reason?: string } | undefined;
  private readonly listeners = new Map<string, Listener[]>();

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeWebSocket.sockets.push(this);
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    // WHATWG: send() on a CONNECTING socket throws InvalidStateError.
    if (this.readyState === 0) throw new Error('InvalidStateError: still connecting');
    if (this.readyState === 1) this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCall = { code, reason };
    this.readyState = 2;
  }

  /** The envelopes the client wrote, parsed. */
  get envelopes(): SentEnvelope[] {
    return this.sent.map((text) => JSON.parse(text) as SentEnvelope);
  }

  // The server and the network:

  open(): void {
    this.readyState = 1;
    this.fire('open', NO_EVENT);
  }

  receive(message: unknown): void {
    this.fire('message', { ...NO_EVENT, data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  receiveBinary(bytes: ArrayBuffer): void {
    this.fire('message', { ...NO_EVENT, data: bytes });
  }

  /** The connection ends: a close frame from the server (clean) or a drop (1006). */
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.fire('error', NO_EVENT);
    this.fire('close', { ...NO_EVENT, code, reason, wasClean: code !== 1006 });
  }

  /** Completes a close() the client started, as the server's close frame would. */
  finishClose(): void {
    this.readyState = 3;
    this.fire('close', { ...NO_EVENT, code: this.closeCall?.code ?? 1005, reason: this.closeCall?.reason ?? '', wasClean: true });
  }

  private fire(type: string, event: FakeEvent): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}
