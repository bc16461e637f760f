import { RedisClients } from './redis-clients';
import { pipelineBySlot } from './slot-pipelines';

export interface ClusterBusOptions {
  /** SSUBSCRIBE/SPUBLISH instead of SUBSCRIBE/PUBLISH. */
  sharded: boolean;
  maxPendingPublishes: number;
  /** A message arrived on one of the channels. */
  onMessage(bytes: Buffer): void;
  /** The subscriber connection closed: what is published until resubscribe() is lost to this node. */
  onSubscriberClosed(): void;
  /** A subscription or publish failed (the caller decides whether the link is down). */
  onFailure(operation: string, error: unknown): void;
}

// Channels per SUBSCRIBE when resubscribing: one command, not one per channel, but bounded in size.
const CHANNELS_PER_COMMAND = 500;

/**
 * Redis pub/sub for the adapter: the channels this node needs (those of the groups it has
 * members in, and its own), and publishing with a bound on what waits for Redis.
 */
export class ClusterBus {
  /** Publishes that could not be handed to Redis: link down, too many pending, or failed. */
  undelivered = 0;
  /** Every wanted channel is subscribed on the current connection. */
  isSynced = false;
  private readonly wanted = new Set<string>();
  private pending = 0;
  private readonly onBuffer = (_channel: Buffer, message: Buffer): void => this.options.onMessage(message);
  private readonly onClose = (): void => {
    this.isSynced = false;
    this.options.onSubscriberClosed();
  };

  constructor(
    private readonly clients: RedisClients,
    private readonly options: ClusterBusOptions,
  ) {
    clients.subscriber.on(options.sharded ? 'smessageBuffer' : 'messageBuffer', this.onBuffer);
    clients.subscriber.on('close', this.onClose);
  }

  /** Channels this node listens to: its own, and one per group it has a member in. */
  get channelCount(): number {
    return this.wanted.size;
  }

  /** Resolves once subscribed (or once it is known that the link is down: resubscribe() follows). */
  async subscribe(channel: string): Promise<void> {
    this.wanted.add(channel);
    if (!this.canSubscribe) return;
    try {
      await (this.options.sharded ? this.clients.subscriber.ssubscribe(channel) : this.clients.subscriber.subscribe(channel));
    } catch (error) {
      this.isSynced = false;
      this.options.onFailure('subscribe', error);
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    this.wanted.delete(channel);
    if (!this.canSubscribe) return;
    try {
      await (this.options.sharded ? this.clients.subscriber.sunsubscribe(channel) : this.clients.subscriber.unsubscribe(channel));
    } catch (error) {
      this.options.onFailure('unsubscribe', error);
    }
  }

  /** Subscribes every wanted channel on a fresh connection; true when all went through. */
  async resubscribe(): Promise<boolean> {
    if (!this.canSubscribe) return false;
    const channels = [...this.wanted];
    try {
      // All at once when sharded: ShardSubscribers sends one SSUBSCRIBE per slot (Redis refuses one spanning slots).
      if (this.options.sharded) await this.clients.subscriber.ssubscribe(...channels);
      else {
        for (let start = 0; start < channels.length; start += CHANNELS_PER_COMMAND) await this.clients.subscriber.subscribe(...channels.slice(start, start + CHANNELS_PER_COMMAND));
      }
      this.isSynced = true;
      return true;
    } catch (error) {
      this.options.onFailure('resubscribe', error);
      return false;
    }
  }

  /** Fire and forget, in order: each node subscribed to a channel gets the bytes once per channel. */
  publish(channels: readonly string[], bytes: Buffer): void {
    if (this.clients.client.status !== 'ready' || this.pending >= this.options.maxPendingPublishes) {
      this.undelivered++;
      return;
    }
    this.pending++;
    const sent = channels.length === 1 ? this.send(channels[0], bytes) : this.sendAll(channels, bytes);
    sent.then(
      () => this.pending--,
      (error: unknown) => {
        this.pending--;
        this.undelivered++;
        this.options.onFailure('publish', error);
      },
    );
  }

  /** Publishes and resolves with how many subscribers got it; 0 when it could not go. */
  async publishCounted(channel: string, bytes: Buffer): Promise<number> {
    if (this.clients.client.status !== 'ready') {
      this.undelivered++;
      return 0;
    }
    try {
      return await this.send(channel, bytes);
    } catch (error) {
      this.undelivered++;
      this.options.onFailure('publish', error);
      return 0;
    }
  }

  close(): void {
    this.clients.subscriber.off(this.options.sharded ? 'smessageBuffer' : 'messageBuffer', this.onBuffer);
    this.clients.subscriber.off('close', this.onClose);
  }

  /** Unsubscribes everything this bus subscribed (for a subscriber the adapter does not own). */
  async unsubscribeAll(): Promise<void> {
    const channels = [...this.wanted];
    this.wanted.clear();
    if (!this.canSubscribe || channels.length === 0) return;
    try {
      if (this.options.sharded) await Promise.all(channels.map((channel) => this.clients.subscriber.sunsubscribe(channel)));
      else await this.clients.subscriber.unsubscribe(...channels);
    } catch (error) {
      this.options.onFailure('unsubscribe', error);
    }
  }

  private get canSubscribe(): boolean {
    return this.clients.subscriber.status === 'ready';
  }

  private async send(channel: string, bytes: Buffer): Promise<number> {
    const receivers = await (this.options.sharded ? this.clients.client.spublish(channel, bytes) : this.clients.client.publish(channel, bytes));
    return Number(receivers);
  }

  private async sendAll(channels: readonly string[], bytes: Buffer): Promise<void> {
    const { sharded } = this.options;
    await pipelineBySlot(this.clients.client, channels, (channel) => channel, (pipeline, channel) => (sharded ? pipeline.spublish(channel, bytes) : pipeline.publish(channel, bytes)));
  }
}
