import { Logger } from '@nestjs/common';
import { RedisClients } from './redis-clients';

export interface RedisLinkEvents {
  /** The command connection is (again) ready: rewrite this node's state. */
  onClientReady(): void;
  /** The subscriber connection is (again) ready: subscribe to this node's channels. */
  onSubscriberReady(): void;
}

// ioredis reports a dropped or refused link with these; anything else is a real command failure.
const LINK_ERRORS = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|MaxRetriesPerRequest|max retries/i;

/** True for errors that mean "Redis is unreachable" rather than "this command failed". */
export const isLinkError = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'MaxRetriesPerRequestError' || LINK_ERRORS.test(error.message));

/**
 * Watches both connections to Redis. An outage is logged once when it starts and once when it
 * ends (with what could not be delivered meanwhile); ioredis's own retry errors stay quiet.
 */
export class RedisLink {
  outages = 0;
  private downSince: number | undefined;
  private undeliveredAtDown = 0;
  private hasBeenUp = false;
  private isClosing = false;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly clients: RedisClients,
    private readonly logger: Logger,
    /** The running count of what could not be delivered, to report what an outage cost. */
    private readonly undelivered: () => number,
    events: RedisLinkEvents,
  ) {
    this.watch(clients.client, events.onClientReady);
    this.watch(clients.subscriber, events.onSubscriberReady);
  }

  /** Commands can go now (they are never queued while the link is down). */
  get canCommand(): boolean {
    return this.clients.client.status === 'ready';
  }

  get canSubscribe(): boolean {
    return this.clients.subscriber.status === 'ready';
  }

  get isUp(): boolean {
    return this.hasBeenUp && this.downSince === undefined;
  }

  /** Resolves true once both connections are ready, false after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.canCommand && this.canSubscribe)) {
      if (Date.now() >= deadline || this.isClosing) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  /** The adapter's state is in Redis again and its channels are subscribed. */
  markUp(nodeId: string): void {
    if (this.isUp) return;
    if (!this.hasBeenUp) this.logger.log(`node ${nodeId} joined the cluster`);
    else {
      const downMs = Date.now() - (this.downSince ?? Date.now());
      this.logger.log(`Redis reachable again after ${downMs} ms; undelivered to other nodes meanwhile: ${this.undelivered() - this.undeliveredAtDown}`);
    }
    this.hasBeenUp = true;
    this.downSince = undefined;
  }

  /** A connection dropped or a command found the link gone: logged once per outage. */
  markDown(reason: unknown): void {
    if (this.isClosing || this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.undeliveredAtDown = this.undelivered();
    if (this.hasBeenUp) this.outages++;
    this.logger.warn(`Redis unreachable (${describe(reason)}): serving this node's connections only, reconnecting`);
  }

  /** Stops listening; closing the connections is no outage. */
  close(): void {
    this.isClosing = true;
    for (const undo of this.detach.splice(0)) undo();
  }

  private watch(client: LinkEvents, onReady: () => void): void {
    const onError = (error: Error): void => this.markDown(error);
    const onClose = (): void => this.markDown('connection closed');
    client.on('error', onError);
    client.on('close', onClose);
    client.on('ready', onReady);
    // 'error' stays attached after close(), ignored: without a listener a late socket error would be thrown.
    this.detach.push(() => {
      client.off('ready', onReady);
      client.off('close', onClose);
    });
  }
}

/** The events a link watches: a `Redis`, a `Cluster` and ShardSubscribers all emit them. */
interface LinkEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close' | 'ready', listener: () => void): unknown;
  off(event: 'close' | 'ready', listener: () => void): unknown;
}

const describe = (reason: unknown): string => (reason instanceof Error ? reason.message : String(reason));
