import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import { slotOf } from './cluster-slot';
import { SubscriberProbe } from './subscriber-probe';

/**
 * What the adapter's pub/sub needs of a subscriber: an ioredis `Redis` has it, and so does
 * ShardSubscribers over a Redis Cluster. Events: `smessageBuffer`/`messageBuffer` (channel, bytes),
 * `ready` (subscribe again what is wanted), `close` and `error` (subscriptions may be gone).
 */
export interface SubscriberConnection {
  readonly status: string;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  ssubscribe(...channels: string[]): Promise<unknown>;
  sunsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'smessageBuffer' | 'messageBuffer', listener: (channel: Buffer, message: Buffer) => void): this;
  on(event: 'ready' | 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  off(event: 'smessageBuffer' | 'messageBuffer', listener: (channel: Buffer, message: Buffer) => void): this;
  off(event: 'ready' | 'close', listener: () => void): this;
  quit(): Promise<unknown>;
  /** `reconnect`: open it again at once (a single connection that went silent; ShardSubscribers is never asked). */
  disconnect(reconnect?: boolean): void;
}

/** One master's subscriber connection and the channels confirmed subscribed on it. */
interface Shard {
  readonly address: string;
  readonly connection: Redis;
  readonly channels: Set<string>;
  readonly detach: () => void;
  /** This connection's silent-loss probe, once its channel is subscribed. */
  probe: ShardProbe | undefined;
}

/** A channel in a slot of the shard's master that only this node uses, and the probes on it. */
interface ShardProbe {
  readonly channel: string;
  readonly state: SubscriberProbe;
}

// Probe channels tried per master to find one in a slot it serves (each try lands there with odds
// slots-served / 16384: a third on 3 masters, so 64 tries miss with odds < 1e-11).
const PROBE_CHANNEL_TRIES = 64;

// Redirections followed for one SSUBSCRIBE before giving up (a slot moving twice meanwhile is rare).
const MAX_REDIRECTIONS = 3;
const MOVED = /^MOVED \d+ (\S+)$/;
// While a channel has no master to listen on (its master died and no replica is promoted yet), the
// slot map is asked again this often; the cluster's own refresh comes only every 5 s by default.
const REPAIR_INTERVAL_MS = 100;
// ioredis has no event for a SUNSUBSCRIBE the server sends by itself (Redis 7 does when a slot leaves
// the node: migration, or a master demoted). It reaches its reply handler with no command waiting,
// which reports it as this error (checked against ioredis 5.11.1, built/DataHandler.js).
const UNSOLICITED_SUNSUBSCRIBE = /Command queue state error.*Last reply: sunsubscribe/s;

/**
 * Sharded pub/sub over a Redis Cluster: one subscriber connection per master, each channel
 * SSUBSCRIBEd on the master of its slot, and moved when the slot moves. The channel is known on
 * exactly one connection at a time, so nothing arrives twice.
 *
 * A channel is placed again (SSUBSCRIBE on its slot's master, SUNSUBSCRIBE where it was) when:
 * - its master's connection comes back: `ready` asks the adapter to subscribe what it wants;
 * - an SSUBSCRIBE answers MOVED: it follows the redirection and has the cluster refresh its slots;
 * - the cluster's slot map changes (a failover, a reshard): channels whose slot changed master move;
 * - a master drops the channels by itself (SUNSUBSCRIBE after its slot migrated away): every channel
 *   of that master is subscribed again, which is a no-op for those still served there and a MOVED
 *   for the others.
 * ioredis's own `shardedSubscribers` resubscribes on slot map changes only, and reports nothing.
 */
export class ShardSubscribers extends EventEmitter implements SubscriberConnection {
  private readonly shards = new Map<string, Shard>();
  /** Where each wanted channel is subscribed; absent while it is not (yet, or any more). */
  private readonly placement = new Map<string, Shard>();
  /** Channels the adapter wants, with their slots. */
  private readonly wanted = new Map<string, number>();
  /** Slots a MOVED told about before the cluster's own map has them. */
  private readonly redirected = new Map<number, string>();
  private isClosed = false;
  private repairTimer: NodeJS.Timeout | undefined;
  private readonly onRefresh = (): void => void this.followSlotMap();
  private readonly onClusterReady = (): void => void this.emit('ready');
  private readonly onClusterClose = (): void => void this.emit('close');

  constructor(
    private readonly cluster: Cluster,
    /** Opens a master's subscriber connection (with the adapter's resilient options). */
    private readonly connect: (host: string, port: number) => Redis,
  ) {
    super();
    cluster.on('refresh', this.onRefresh);
    cluster.on('ready', this.onClusterReady);
    cluster.on('close', this.onClusterClose);
  }

  /** The cluster's status: `ready` once its slot map is known. */
  get status(): string {
    return this.isClosed ? 'end' : this.cluster.status;
  }

  /** Masters this node holds a subscriber connection to. */
  get shardCount(): number {
    return this.shards.size;
  }

  /**
   * Silent-loss detection, once per heartbeat (RedisAdapter): on each master's connection, a probe
   * SPUBLISHed there must come back within two calls (SubscriberProbe). A connection whose probe did
   * not is open but deaf: it is reconnected, and its `close` (the adapter's gap signal) and `ready` (resubscribe
   * everything) follow. Then the next probe goes out on each connection, on a channel `<channelBase>:<n>`
   * in a slot of its master (the base names this node: nobody else subscribes it).
   * Returns the connections found silent.
   */
  async probe(channelBase: string): Promise<number> {
    let silent = 0;
    await Promise.all(
      [...this.shards.values()].map(async (shard) => {
        if (shard.connection.status !== 'ready') return;
        const probe = await this.probeOf(shard, channelBase);
        if (!probe || this.shards.get(shard.address) !== shard) return;
        const { isLost, requestId } = probe.state.next();
        if (isLost) {
          silent++;
          shard.probe = undefined;
          return void shard.connection.disconnect(true);
        }
        // Not awaited: a reply that never comes (a deaf link) must not hold the heartbeat. Lost on the
        // way (the master is failing over): the next calls find it out, as a gap, which it may be.
        if (requestId !== undefined) this.cluster.spublish(probe.channel, requestId).catch(() => undefined);
      }),
    );
    return silent;
  }

  /** Master connections whose last probe has not come back yet. */
  get probesOutstanding(): number {
    let count = 0;
    for (const { probe } of this.shards.values()) if (probe?.state.isOutstanding) count++;
    return count;
  }

  /** Resolves once every channel is subscribed on its slot's master; rejects on the first failure. */
  async ssubscribe(...channels: string[]): Promise<void> {
    for (const channel of channels) this.wanted.set(channel, slotOf(channel));
    await Promise.all(channels.map((channel) => this.place(channel)));
  }

  async sunsubscribe(...channels: string[]): Promise<void> {
    await Promise.all(
      channels.map(async (channel) => {
        this.wanted.delete(channel);
        await this.unplace(channel);
      }),
    );
  }

  /** Classic pub/sub has no place on a cluster's shards: the adapter uses SSUBSCRIBE there. */
  subscribe(): Promise<never> {
    return Promise.reject(new Error('ShardSubscribers: use ssubscribe (sharded pub/sub) on a Redis Cluster'));
  }

  unsubscribe(): Promise<never> {
    return this.subscribe();
  }

  /** Closes every master's connection. */
  async quit(): Promise<void> {
    this.disconnect();
  }

  disconnect(): void {
    this.isClosed = true;
    this.stopRepair();
    this.cluster.off('refresh', this.onRefresh);
    this.cluster.off('ready', this.onClusterReady);
    this.cluster.off('close', this.onClusterClose);
    for (const shard of this.shards.values()) this.dropShard(shard);
    this.wanted.clear();
  }

  /** SSUBSCRIBE on the master of the channel's slot, following MOVED; SUNSUBSCRIBE where it was before. */
  private async place(channel: string): Promise<void> {
    const slot = this.wanted.get(channel) ?? slotOf(channel);
    let address = this.masterOf(slot);
    for (let redirections = 0; ; redirections++) {
      const current = this.placement.get(channel);
      if (current?.address === address) return;
      if (current) await this.unplace(channel);
      const shard = this.shardFor(address);
      try {
        await whenReady(shard.connection);
        await shard.connection.ssubscribe(channel);
      } catch (error) {
        const moved = error instanceof Error ? MOVED.exec(error.message) : null;
        if (!moved || redirections >= MAX_REDIRECTIONS) throw error;
        address = moved[1];
        this.redirected.set(slot, address);
        this.cluster.refreshSlotsCache();
        continue;
      }
      if (!this.wanted.has(channel) || this.shards.get(address) !== shard) {
        // Unsubscribed, or the connection dropped, while the SSUBSCRIBE was on its way.
        await shard.connection.sunsubscribe(channel).catch(() => undefined);
        return;
      }
      shard.channels.add(channel);
      this.placement.set(channel, shard);
      return;
    }
  }

  private async unplace(channel: string): Promise<void> {
    const shard = this.placement.get(channel);
    if (!shard) return;
    this.placement.delete(channel);
    shard.channels.delete(channel);
    // The slot may have left that master, which then answers MOVED: it no longer delivers the channel either way.
    if (shard.connection.status === 'ready') await shard.connection.sunsubscribe(channel).catch(() => undefined);
  }

  /** The shard's probe, its channel subscribed in a slot the master still serves (chosen again after the slot moved). */
  private async probeOf(shard: Shard, channelBase: string): Promise<ShardProbe | undefined> {
    const current = shard.probe;
    if (current && this.cluster.slots[slotOf(current.channel)]?.[0] === shard.address) return current;
    shard.probe = undefined;
    if (current) await shard.connection.sunsubscribe(current.channel).catch(() => undefined);
    for (let n = 0; n < PROBE_CHANNEL_TRIES; n++) {
      const channel = `${channelBase}:${n}`;
      if (this.cluster.slots[slotOf(channel)]?.[0] !== shard.address) continue;
      try {
        await shard.connection.ssubscribe(channel);
      } catch {
        return undefined; // the map is changing: the next heartbeat tries again
      }
      shard.probe = { channel, state: new SubscriberProbe(channel) };
      return shard.probe;
    }
    return undefined;
  }

  /** The master of a slot: what a MOVED said, else the cluster's slot map. */
  private masterOf(slot: number): string {
    const address = this.redirected.get(slot) ?? this.cluster.slots[slot]?.[0];
    if (address === undefined) throw new Error(`Redis Cluster: no master known for slot ${slot} (the cluster is not ready)`);
    return address;
  }

  private shardFor(address: string): Shard {
    const existing = this.shards.get(address);
    if (existing) return existing;
    const [host, port] = splitAddress(address);
    const connection = this.connect(host, port);
    const shard: Shard = {
      address,
      connection,
      channels: new Set(),
      detach: () => connection.removeAllListeners(),
      probe: undefined,
    };
    connection.on('smessageBuffer', (channel: Buffer, message: Buffer) => {
      const { probe } = shard;
      if (probe?.channel !== channel.toString('latin1')) return void this.emit('smessageBuffer', channel, message);
      probe.state.received(message.toString('latin1'));
    });
    connection.on('close', () => this.onShardLost(shard));
    connection.on('ready', () => this.emit('ready'));
    connection.on('error', (error: Error) => this.onShardError(shard, error));
    this.shards.set(address, shard);
    return shard;
  }

  /** The connection dropped: its subscriptions are gone, and come back when `ready` makes the adapter subscribe again. */
  private onShardLost(shard: Shard): void {
    shard.probe = undefined; // its subscription is gone with the connection
    if (shard.channels.size === 0 || this.shards.get(shard.address) !== shard) return;
    for (const channel of shard.channels) this.placement.delete(channel);
    shard.channels.clear();
    this.startRepair();
    this.emit('close');
  }

  /** Asks for the slot map until every wanted channel is placed again (followSlotMap stops it). */
  private startRepair(): void {
    if (this.repairTimer || this.isClosed) return;
    this.repairTimer = setInterval(() => this.cluster.refreshSlotsCache(), REPAIR_INTERVAL_MS);
    this.repairTimer.unref();
  }

  private stopRepair(): void {
    clearInterval(this.repairTimer);
    this.repairTimer = undefined;
  }

  private onShardError(shard: Shard, error: Error): void {
    if (!UNSOLICITED_SUNSUBSCRIBE.test(error.message)) return void this.emit('error', error);
    // A slot left this master: subscribe its channels again, each where its slot now is.
    const channels = [...shard.channels];
    for (const channel of channels) this.placement.delete(channel);
    shard.channels.clear();
    this.cluster.refreshSlotsCache();
    void this.ssubscribe(...channels).catch((failure: unknown) => this.fail(failure));
  }

  /** The cluster refreshed its slot map: move the channels whose slot changed master, close connections to former masters. */
  private async followSlotMap(): Promise<void> {
    if (this.isClosed) return;
    this.redirected.clear();
    // Channels whose slot changed master, and those not subscribed anywhere (their master was down).
    const moved = [...this.wanted].filter(([channel, slot]) => this.placement.get(channel)?.address !== this.cluster.slots[slot]?.[0]).map(([channel]) => channel);
    try {
      await Promise.all(moved.map((channel) => this.place(channel)));
    } catch (error) {
      this.fail(error);
    }
    if (this.placement.size === this.wanted.size) this.stopRepair();
    const masters = new Set(this.cluster.slots.map(([master]) => master));
    for (const shard of this.shards.values()) if (!masters.has(shard.address) && shard.channels.size === 0) this.dropShard(shard);
  }

  private dropShard(shard: Shard): void {
    this.shards.delete(shard.address);
    for (const channel of shard.channels) this.placement.delete(channel);
    shard.channels.clear();
    shard.detach();
    shard.connection.on('error', () => undefined); // a late socket error must not be thrown
    shard.connection.disconnect();
  }

  /** A move failed: the adapter's pub/sub is out of sync until its next resubscribe. */
  private fail(error: unknown): void {
    this.emit('error', error instanceof Error ? error : new Error(String(error)));
    this.emit('close');
  }
}

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** Resolves when the connection can take commands; rejects like a dropped link when it closes first. */
function whenReady(connection: Redis): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      connection.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      connection.off('ready', onReady);
      reject(new Error(`Connection is closed. (subscriber connection to ${connection.options.host}:${connection.options.port} closed before it was ready)`));
    };
    connection.once('ready', onReady);
    connection.once('close', onClose);
  });
}
