import type { LoggerService } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { ResolvedNatsAdapterOptions } from './nats-adapter-options.interface';

export interface NatsLinkEvents {
  /** The connection is (again) up: nats.js has resubscribed every subscription by now. */
  onUp(): void;
}

// Reconnects forever, every half second: what is published meanwhile is dropped and counted, never queued.
/** The answers to a request to every node; complete when every node asked has answered. */
export interface Gathered {
  answers: Msg[];
  isComplete: boolean;
}

const RECONNECT_OPTIONS = { maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true, noEcho: true } as const;
const CLOSE_FLUSH_MS = 1000;

/**
 * The adapter's one NATS connection: whether it is up, and publishing that counts what cannot go.
 * nats.js reconnects and resubscribes on its own, but whatever it buffered while disconnected is
 * discarded when it reconnects: so nothing is handed to it then, and that is counted instead.
 */
export class NatsLink {
  /** Publishes and direct sends that could not be handed to NATS. */
  undelivered = 0;
  /** Times the connection was lost. */
  outages = 0;
  private connection: NatsConnection | undefined;
  private isUp = false;
  private isClosed = false;

  constructor(
    private readonly options: ResolvedNatsAdapterOptions,
    private readonly logger: LoggerService,
    private readonly events: NatsLinkEvents,
  ) {}

  /** Connects, waiting at most connectTimeoutMs; past that the node serves without NATS and attaches once it connects. */
  async open(): Promise<void> {
    // @nats-io/transport-node is an optional peer dependency: loaded only when a NatsAdapter starts.
    const { connect } = await import('@nats-io/transport-node').catch((error: unknown) => {
      throw new Error(`NatsAdapter needs the @nats-io/transport-node package (npm install @nats-io/transport-node): ${error instanceof Error ? error.message : String(error)}`);
    });
    const connecting = connect({ ...RECONNECT_OPTIONS, ...this.options.connectionOptions, servers: this.options.servers });
    const attached = connecting.then((connection) => this.attach(connection));
    attached.catch((error: unknown) => this.logger.error(`NATS connection failed for good: ${error instanceof Error ? error.message : String(error)}`));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.connectTimeoutMs).unref()));
    await Promise.race([attached.catch(() => undefined), waited]);
    clearTimeout(timer);
    if (!this.isUp) this.logger.warn(`NATS not reachable at ${String(this.options.servers)} within ${this.options.connectTimeoutMs} ms: serving this node's connections only until it is`);
  }

  get isConnected(): boolean {
    return this.isUp;
  }

  /** Fire and forget; false (and counted) when it cannot go now. */
  publish(subject: string, bytes: Uint8Array): boolean {
    const connection = this.connection;
    if (!connection || !this.isUp) {
      if (!this.isClosed) this.undelivered++;
      return false;
    }
    try {
      connection.publish(subject, bytes);
      return true;
    } catch (error) {
      // e.g. a frame past the server's max_payload (1 MiB by default): raise it there for larger messages.
      this.undelivered++;
      this.logger.error(`publish on ${subject} (${bytes.length} B) failed: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /**
   * Subscribes now if connected, or as soon as the connection exists. Resolves once the server
   * has the subscription (a PING round trip), or at once while NATS is away.
   */
  async subscribe(subject: string, onMessage: (message: Msg) => void): Promise<Subscription | undefined> {
    const connection = this.connection;
    if (!connection) return undefined;
    const subscription = connection.subscribe(subject, { callback: (error, message) => this.dispatch(subject, error, message, onMessage) });
    // Disconnected meanwhile: nats.js resubscribes on reconnect. A server that stalls without closing
    // is waited for at most requestTimeoutMs: a join must not hang on it.
    if (this.isUp) await this.boundedFlush(connection, this.options.requestTimeoutMs);
    return subscription;
  }

  /**
   * Asks every node listening on `subject` and collects up to `expected` answers, within
   * requestTimeoutMs; stops early when `isEnough` says so. Undefined while NATS is away.
   */
  async gather(subject: string, request: Uint8Array, expected: number, isEnough: (answer: Msg) => boolean = () => false): Promise<Gathered | undefined> {
    const connection = this.connection;
    if (!connection || !this.isUp) return undefined;
    const answers: Msg[] = [];
    if (expected === 0) return { answers, isComplete: true };
    try {
      const replies = await connection.requestMany(subject, request, { strategy: 'count', maxMessages: expected, maxWait: this.options.requestTimeoutMs });
      for await (const answer of replies) {
        answers.push(answer);
        if (isEnough(answer)) break;
      }
    } catch (error) {
      // No responders: every other node left (its bye may still be on the way), so all of them have answered.
      if (error instanceof Error && /no responders/i.test(error.message)) return { answers, isComplete: true };
      this.logger.warn(`request on ${subject}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { answers, isComplete: answers.length >= expected };
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const connection = this.connection;
    this.connection = undefined;
    this.isUp = false;
    if (!connection) return;
    await this.boundedFlush(connection, CLOSE_FLUSH_MS); // what was published last (a bye) goes out if the server answers soon
    await connection.close().catch(() => undefined);
  }

  /** A PING round trip, or `limitMs`, whichever comes first; never rejects. */
  private async boundedFlush(connection: NatsConnection, limitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([connection.flush().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, limitMs)))]);
    clearTimeout(timer);
  }

  /** A listener that throws would unwind into nats.js's parser: it is logged here instead. */
  private dispatch(subject: string, error: Error | null, message: Msg, onMessage: (message: Msg) => void): void {
    try {
      if (error) throw error;
      onMessage(message);
    } catch (failure) {
      this.logger.error(`a message on ${subject} could not be handled`, failure instanceof Error ? failure.stack : String(failure));
    }
  }

  private attach(connection: NatsConnection): void {
    if (this.isClosed) {
      void connection.close();
      return;
    }
    this.connection = connection;
    this.isUp = true;
    void this.watch(connection);
    this.events.onUp();
  }

  /** Follows the connection's status until it closes. */
  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' && this.isUp) {
        this.isUp = false;
        this.outages++;
        this.logger.warn(`NATS connection lost (${status.server}): serving this node's connections only, counting what cannot reach the others`);
      } else if (status.type === 'reconnect') {
        this.isUp = true;
        this.logger.log(`NATS connection back (${status.server}); ${this.undelivered} sends undelivered so far`);
        this.events.onUp();
      }
    }
  }
}
