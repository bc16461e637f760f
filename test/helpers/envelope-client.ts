// A `ws` client that speaks the envelope of DESIGN.md ({"event","data","id"}) and lets a test
// wait for the next envelope that matches, with a bounded wait that fails with what did arrive.
import { once } from 'node:events';
import WebSocket, { RawData } from 'ws';

/** Waits are bounded below Jest's 5 s default, so a hang fails with a clear message. */
export const WAIT_MS = 3000;

export interface Envelope {
  event: string;
  data?: unknown;
  id?: number | string;
}

/** One message as it arrived: the text exactly as sent, and the envelope it parses to. */
export interface Received {
  text: string;
  envelope: Envelope;
}

export type EnvelopeMatch = string | ((envelope: Envelope) => boolean);

interface Waiter {
  matches(envelope: Envelope): boolean;
  resolve(received: Received): void;
}

/** An event no gateway handles, for settle(). */
const SETTLE_EVENT = 'test:settle';

/** The event of a message that is not a JSON text envelope: no test waits for it, so it shows up in the timeout message. */
const NOT_AN_ENVELOPE = '(not an envelope)';

function parseEnvelope(text: string): Envelope {
  try {
    return JSON.parse(text) as Envelope;
  } catch {
    return { event: NOT_AN_ENVELOPE, data: text };
  }
}

const matcherOf = (match: EnvelopeMatch): ((envelope: Envelope) => boolean) =>
  typeof match === 'string' ? (envelope) => envelope.event === match : match;

export class EnvelopeClient {
  /** Messages not yet taken by next(), in arrival order. */
  private readonly unread: Received[] = [];
  private readonly waiters = new Set<Waiter>();
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    // Listening from construction on: nothing that arrives right after the 101 is lost.
    socket.on('message', (raw: RawData, isBinary: boolean) => this.receive(raw, isBinary));
  }

  /** Opens `url`; rejects when the handshake fails. */
  static async connect(url: string): Promise<EnvelopeClient> {
    const client = new EnvelopeClient(new WebSocket(url));
    await once(client.socket, 'open');
    return client;
  }

  send(event: string, data?: unknown, id?: number | string): void {
    this.socket.send(JSON.stringify(id === undefined ? { event, data } : { event, data, id }));
  }

  /** Sends with a fresh id and resolves with the envelope that echoes it (a reply or an error). */
  async request(event: string, data?: unknown): Promise<Envelope> {
    const id = this.nextId++;
    this.send(event, data, id);
    return (await this.nextReceived((envelope) => envelope.id === id)).envelope;
  }

  /**
   * Round-trips an event no handler knows and takes its UNKNOWN_EVENT error (DESIGN.md): TCP keeps
   * order, so every push the server wrote to this client before has arrived by then.
   */
  async settle(): Promise<void> {
    const answer = await this.request(SETTLE_EVENT);
    if (answer.event !== 'error' || (answer.data as { code?: unknown }).code !== 'UNKNOWN_EVENT') {
      throw new Error(`expected an UNKNOWN_EVENT error for "${SETTLE_EVENT}", got ${JSON.stringify(answer)}`);
    }
  }

  /** The first unread envelope that matches (an event name or a predicate), waiting for it if needed. */
  async next(match: EnvelopeMatch): Promise<Envelope> {
    return (await this.nextReceived(match)).envelope;
  }

  async nextReceived(match: EnvelopeMatch): Promise<Received> {
    const matches = matcherOf(match);
    const index = this.unread.findIndex(({ envelope }) => matches(envelope));
    if (index >= 0) return this.unread.splice(index, 1)[0];
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<Received>((resolve, reject) => {
        waiter = { matches, resolve };
        this.waiters.add(waiter);
        timer = setTimeout(() => reject(new Error(`no matching envelope within ${WAIT_MS} ms; unread: ${JSON.stringify(this.unread.map(({ text }) => text))}`)), WAIT_MS);
      });
    } finally {
      clearTimeout(timer);
      if (waiter) this.waiters.delete(waiter);
    }
  }

  /** Unread envelopes of one event (or all), without taking them. */
  unreadEnvelopes(event?: string): Envelope[] {
    return this.unread.map(({ envelope }) => envelope).filter((envelope) => event === undefined || envelope.event === event);
  }

  /** The close handshake, bounded: a peer that does not answer gets the socket destroyed. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = once(this.socket, 'close');
    this.socket.close();
    const timer = setTimeout(() => this.socket.terminate(), WAIT_MS);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
  }

  private receive(raw: RawData, isBinary: boolean): void {
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : Buffer.concat(Array.isArray(raw) ? raw : [Buffer.from(raw)]).toString('utf8');
    const received: Received = { text, envelope: isBinary ? { event: NOT_AN_ENVELOPE, data: 'a binary message' } : parseEnvelope(text) };
    for (const waiter of this.waiters) {
      if (waiter.matches(received.envelope)) {
        this.waiters.delete(waiter);
        waiter.resolve(received);
        return;
      }
    }
    this.unread.push(received);
  }
}
