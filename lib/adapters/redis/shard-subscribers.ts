import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import { slotOf } from './cluster-slot';
import { PendingSubscribes, ShardMovedError } from './pending-subscribes';
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

export interface ShardTiming {
  /** An SSUBSCRIBE not answered this long means its connection is deaf: it is replaced (RedisAdapter: two heartbeats). */
  answerTimeoutMs: number;
  /** How often each master is asked (CLUSTER NODES) which slots it imports, while channels are wanted; also after each slot-map refresh. */
  migrationCheckIntervalMs: number;
}

/** One master's subscriber connection and the channels confirmed subscribed on it. */
interface Shard {
  readonly address: string;
  readonly connection: Redis;
  readonly channels: Set<string>;
  readonly detach: () => void;
  /** This connection's silent-loss probe, from the moment its SSUBSCRIBE is sent. */
  probe: ShardProbe | undefined;
}

/** A master's subscriber connection, its SSUBSCRIBEs watched until answered. */
interface MasterShard extends Shard {
  readonly subscribes: PendingSubscribes;
}

/** A channel in a slot of the shard's master that only this node uses, and the probes on it. */
interface ShardProbe {
  readonly channel: string;
  readonly state: SubscriberProbe;
  /** Its SSUBSCRIBE was answered: probes can go out. */
  isSubscribed: boolean;
}

// Probe channels tried per master to find one in a slot it serves (each try lands there with odds
// slots-served / 16384: a third on 3 masters, so 64 tries miss with odds < 1e-11).
const PROBE_CHANNEL_TRIES = 64;

// Redirections followed for one SSUBSCRIBE before giving up (a slot moving twice meanwhile is rare).
const MAX_REDIRECTIONS = 3;
// A MOVED error, however ioredis reports it (5.11 drops the command and emits 'moved': PendingSubscribes).
const MOVED = /^MOVED \d+ /;
// While a channel has no master to listen on (its master died and no replica is promoted yet), the
// slot map is asked again this often; the cluster's own refresh comes only every 5 s by default.
const REPAIR_INTERVAL_MS = 100;
// ioredis has no event for a SUNSUBSCRIBE the server sends by itself (Redis 7 does when a slot leaves
// the node: migration, or a master demoted). It reaches its reply handler as the answer to the oldest
// command waiting, or with none waiting, which is reported as this error; when one was waiting, the
// error comes with that command's own reply, one step later (ioredis 5.11.1, built/DataHandler.js).
const QUEUE_OUT_OF_STEP = /Command queue state error/;
// A master's own line in CLUSTER NODES lists the slots it imports as `[<slot>-<-<source id>]`.
const IMPORTING_SLOT = /\[(\d+)-<-[0-9a-f]+\]/g;

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
 *
 * A slot migration would lose messages without more: Redis 7.0 serves SPUBLISH on the source while
 * the slot is MIGRATING, then on the target from its `SETSLOT NODE` on, before this node hears the
 * source's SUNSUBSCRIBE and subscribes there. So each master is asked every second (an option) and
 * after each slot-map refresh which slots it imports, and the wanted channels of such a slot are subscribed on it too, ahead (ASKING +
 * SSUBSCRIBE on a connection of their own: RESP2 allows no ASKING once subscribed). One publish runs
 * on one master, so nothing arrives twice; once the slot is the target's, that connection is where
 * the channels are placed. A migration that starts and ends between two checks still loses its window.
 */
export class ShardSubscribers extends EventEmitter implements SubscriberConnection {
  private readonly shards = new Map<string, MasterShard>();
  /** Where each wanted channel is subscribed; absent while it is not (yet, or any more). */
  private readonly placement = new Map<string, Shard>();
  /** Channels the adapter wants, with their slots. */
  private readonly wanted = new Map<string, number>();
  /** Connections subscribed, with ASKING, to a slot's channels on the master importing it. */
  private readonly imports = new Map<number, Shard>();
  private migrationTimer: NodeJS.Timeout | undefined;
  private isCheckingMigrations = false;
  private isClosed = false;
  /** Connections replaced since the last probe() because an SSUBSCRIBE on them went unanswered. */
  private unansweredSinceProbe = 0;
  private repairTimer: NodeJS.Timeout | undefined;
  private readonly onRefresh = (): void => {
    void this.followSlotMap();
    void this.followMigrations();
  };
  private readonly onClusterReady = (): void => void this.emit('ready');
  private readonly onClusterClose = (): void => void this.emit('close');

  constructor(
    private readonly cluster: Cluster,
    /** Opens a master's subscriber connection (with the adapter's resilient options). */
    private readonly connect: (host: string, port: number) => Redis,
    private readonly timing: ShardTiming,
  ) {
    super();
    cluster.on('refresh', this.onRefresh);
    cluster.on('ready', this.onClusterReady);
    cluster.on('close', this.onClusterClose);
    this.migrationTimer = setInterval(() => void this.followMigrations(), timing.migrationCheckIntervalMs);
    this.migrationTimer.unref();
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
   * A connection deaf before its probe is subscribed is found by that SSUBSCRIBE going unanswered
   * (PendingSubscribes): it is replaced at once, and counted here.
   * Returns the connections found silent since the last call.
   */
  async probe(channelBase: string): Promise<number> {
    let silent = this.unansweredSinceProbe;
    this.unansweredSinceProbe = 0;
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
    clearInterval(this.migrationTimer);
    for (const imported of this.imports.values()) this.dropImport(imported);
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
      const imported = this.imports.get(slot);
      if (imported?.address === address && imported.channels.has(channel)) {
        // Subscribed there ahead, while the slot was importing: it is where the channel stays.
        this.placement.set(channel, imported);
        return;
      }
      const shard = this.shardFor(address);
      try {
        await whenReady(shard.connection);
        await shard.subscribes.subscribe(slot, channel);
      } catch (error) {
        if (!isMoved(error) || redirections >= MAX_REDIRECTIONS) throw error;
        // The address a MOVED names is the master's own, not the one this node reaches it by (natMap:
        // NAT, Docker, a proxy): the refreshed slot map has it mapped.
        await this.refreshSlotMap();
        address = this.masterOf(slot);
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
    const slot = this.wanted.get(channel) ?? slotOf(channel);
    if (this.imports.get(slot) === shard) {
      if (shard.channels.size === 0) this.dropImport(shard);
      else if (shard.connection.status === 'ready') await shard.connection.sunsubscribe(channel).catch(() => undefined);
      return;
    }
    // The slot may have left that master, which then answers MOVED: it no longer delivers the channel either way.
    if (shard.connection.status === 'ready') await shard.connection.sunsubscribe(channel).catch(() => undefined);
  }

  /**
   * The shard's probe once its channel is subscribed, in a slot the master still serves (chosen again
   * after the slot moved). Its SSUBSCRIBE is sent once: while unanswered, the heartbeats send no other
   * (PendingSubscribes replaces the connection if it never answers).
   */
  private async probeOf(shard: MasterShard, channelBase: string): Promise<ShardProbe | undefined> {
    const current = shard.probe;
    if (current && this.slotMaster(slotOf(current.channel)) === shard.address) return current.isSubscribed ? current : undefined;
    shard.probe = undefined;
    if (current?.isSubscribed) await shard.connection.sunsubscribe(current.channel).catch(() => undefined);
    for (let n = 0; n < PROBE_CHANNEL_TRIES; n++) {
      const channel = `${channelBase}:${n}`;
      if (this.slotMaster(slotOf(channel)) !== shard.address) continue;
      const probe: ShardProbe = { channel, state: new SubscriberProbe(channel), isSubscribed: false };
      shard.probe = probe;
      try {
        await shard.subscribes.send([channel]);
      } catch (error) {
        if (shard.probe === probe) shard.probe = undefined;
        // Its slot left that master behind the map's back: the next heartbeat picks from a refreshed map.
        if (isMoved(error)) this.cluster.refreshSlotsCache();
        return undefined; // moved, dropped or deaf: the next heartbeat tries again
      }
      if (shard.probe !== probe) return undefined; // the connection dropped meanwhile
      probe.isSubscribed = true;
      return probe;
    }
    return undefined;
  }

  /** The master of a slot, as the cluster's slot map has it (natMap applied). */
  private masterOf(slot: number): string {
    const address = this.slotMaster(slot);
    if (address === undefined) throw new Error(`Redis Cluster: no master known for slot ${slot} (the cluster is not ready)`);
    return address;
  }

  /** Where this node reaches a slot's master, undefined while no master is known. */
  private slotMaster(slot: number): string | undefined {
    const master = this.cluster.slots[slot]?.[0];
    return master === undefined ? undefined : this.reachable(master);
  }

  /**
   * The address this node reaches a master by. ioredis's map is natMapped, except after a MOVED: it then
   * writes the address the master names itself by (cluster/index.js, the `moved` handler) into the
   * slot range's entry until its refresh ends. Behind NAT or Docker that address cannot be reached.
   */
  private reachable(address: string): string {
    const { natMap } = this.cluster.options;
    const mapped = typeof natMap === 'function' ? natMap(address) : natMap?.[address];
    return mapped ? `${mapped.host}:${mapped.port}` : address;
  }

  /** Refreshes the cluster's slot map; resolves when it is done (or joins the refresh under way). */
  private refreshSlotMap(): Promise<void> {
    return new Promise((resolve) => this.cluster.refreshSlotsCache(() => resolve()));
  }

  private shardFor(address: string): MasterShard {
    const existing = this.shards.get(address);
    if (existing) return existing;
    const [host, port] = splitAddress(address);
    const connection = this.connect(host, port);
    const shard: MasterShard = {
      address,
      connection,
      channels: new Set(),
      detach: () => connection.removeAllListeners(),
      probe: undefined,
      subscribes: new PendingSubscribes(connection, this.timing.answerTimeoutMs, () => this.onUnanswered(shard)),
    };
    connection.on('smessageBuffer', (channel: Buffer, message: Buffer) => {
      const { probe } = shard;
      if (probe?.channel !== channel.toString('latin1')) return void this.emit('smessageBuffer', channel, message);
      probe.state.received(message.toString('latin1'));
    });
    connection.on('close', () => {
      shard.subscribes.abandon(new Error(`Connection is closed. (subscriber connection to ${address} closed before its SSUBSCRIBE was answered)`));
      this.onShardLost(shard);
    });
    connection.on('ready', () => this.emit('ready'));
    connection.on('error', (error: Error) => this.onShardError(shard, error));
    this.shards.set(address, shard);
    return shard;
  }

  /** An SSUBSCRIBE on the shard went unanswered: the connection is deaf (as a probe not back), so it is replaced. */
  private onUnanswered(shard: MasterShard): void {
    if (this.shards.get(shard.address) !== shard) return;
    this.unansweredSinceProbe++;
    shard.probe = undefined;
    shard.connection.disconnect(true);
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

  private onShardError(shard: MasterShard, error: Error): void {
    if (!QUEUE_OUT_OF_STEP.test(error.message)) return void this.emit('error', error);
    // The master dropped channels by itself (a slot left it), and that SUNSUBSCRIBE may have answered
    // one of our commands instead: which channels the connection still has is not known. Once per burst
    // (one SUNSUBSCRIBE per channel of the slot) they are all subscribed again where the refreshed map
    // says (a no-op where they still are), and the probe is picked again (its channel may be the one dropped).
    shard.probe = undefined;
    if (shard.channels.size === 0) return;
    const channels = [...shard.channels];
    for (const channel of channels) this.placement.delete(channel);
    shard.channels.clear();
    void this.refreshSlotMap()
      .then(() => Promise.all(channels.filter((channel) => this.wanted.has(channel)).map((channel) => this.place(channel))))
      .catch((failure: unknown) => this.fail(failure));
  }

  /** The cluster refreshed its slot map: move the channels whose slot changed master, close connections to former masters. */
  private async followSlotMap(): Promise<void> {
    if (this.isClosed) return;
    // Channels whose slot changed master, and those not subscribed anywhere (their master was down).
    const moved = [...this.wanted].filter(([channel, slot]) => this.placement.get(channel)?.address !== this.slotMaster(slot)).map(([channel]) => channel);
    try {
      await Promise.all(moved.map((channel) => this.place(channel)));
    } catch (error) {
      this.fail(error);
    }
    if (this.placement.size === this.wanted.size) this.stopRepair();
    const masters = new Set(this.cluster.slots.map(([master]) => this.reachable(master)));
    for (const shard of this.shards.values()) if (!masters.has(shard.address) && shard.channels.size === 0) this.dropShard(shard);
  }

  /**
   * Asks each master which slots it imports; subscribes the wanted channels of such a slot there too
   * (once per migration), and drops the connection of a migration that ended elsewhere (aborted).
   */
  private async followMigrations(): Promise<void> {
    if (this.isClosed || this.isCheckingMigrations || (this.wanted.size === 0 && this.imports.size === 0)) return;
    this.isCheckingMigrations = true;
    try {
      const importing = new Map<number, string>();
      await Promise.all(
        this.cluster.nodes('master').map(async (node) => {
          const nodes = (await node.cluster('NODES').catch(() => '')) as string;
          const own = nodes.split('\n').find((line) => line.includes('myself'));
          for (const [, slot] of own?.matchAll(IMPORTING_SLOT) ?? []) importing.set(Number(slot), `${node.options.host}:${node.options.port}`);
        }),
      );
      for (const [slot, imported] of this.imports) {
        const isOver = importing.get(slot) !== imported.address && this.slotMaster(slot) !== imported.address;
        if (isOver && ![...imported.channels].some((channel) => this.placement.get(channel) === imported)) this.dropImport(imported);
      }
      await Promise.all([...importing].map(([slot, address]) => this.subscribeAhead(slot, address)));
    } finally {
      this.isCheckingMigrations = false;
    }
  }

  /** ASKING + SSUBSCRIBE of the slot's wanted channels on the master importing it (they arrive there once the slot is its). */
  private async subscribeAhead(slot: number, address: string): Promise<void> {
    if (this.imports.has(slot) || this.isClosed) return;
    const channels = [...this.wanted].filter(([, wantedSlot]) => wantedSlot === slot).map(([channel]) => channel);
    if (channels.length === 0) return;
    const [host, port] = splitAddress(address);
    const connection = this.connect(host, port);
    const imported: Shard = { address, connection, channels: new Set(), detach: () => connection.removeAllListeners(), probe: undefined };
    this.imports.set(slot, imported);
    connection.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.emit('smessageBuffer', channel, message));
    connection.on('error', () => undefined); // its loss is handled on close
    connection.on('close', () => this.onImportLost(slot, imported));
    try {
      await whenReady(connection);
      await connection.asking();
      await connection.ssubscribe(...channels);
    } catch {
      return void this.dropImport(imported); // the migration ended meanwhile: the normal path follows it
    }
    if (this.imports.get(slot) !== imported) return;
    for (const channel of channels) if (this.wanted.has(channel)) imported.channels.add(channel);
  }

  /** An ahead connection dropped: channels placed on it are subscribed again where their slot is. */
  private onImportLost(slot: number, imported: Shard): void {
    if (this.imports.get(slot) !== imported) return;
    const placed = [...imported.channels].filter((channel) => this.placement.get(channel) === imported);
    this.dropImport(imported);
    if (placed.length === 0) return;
    this.startRepair();
    this.emit('close');
  }

  private dropImport(imported: Shard): void {
    for (const [slot, shard] of this.imports) if (shard === imported) this.imports.delete(slot);
    for (const channel of imported.channels) if (this.placement.get(channel) === imported) this.placement.delete(channel);
    imported.channels.clear();
    stopOpening(imported.connection, new Error(`Connection is closed. (ahead connection to ${imported.address} dropped before it was ready)`));
    imported.detach();
    imported.connection.on('error', () => undefined);
    imported.connection.disconnect();
  }

  private dropShard(shard: MasterShard): void {
    this.shards.delete(shard.address);
    shard.subscribes.abandon(new Error(`Connection is closed. (subscriber connection to ${shard.address} dropped: its master serves no slot)`));
    for (const channel of shard.channels) this.placement.delete(channel);
    shard.channels.clear();
    stopOpening(shard.connection, new Error(`Connection is closed. (subscriber connection to ${shard.address} dropped before it was ready)`));
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

const isMoved = (error: unknown): boolean => error instanceof ShardMovedError || (error instanceof Error && MOVED.test(error.message));

function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** The wait of each connection still opening: one pair of listeners however many channels wait (thousands after a reconnect). */
const openings = new WeakMap<Redis, { readonly opened: Promise<void>; readonly fail: (error: Error) => void }>();

/** Resolves when the connection can take commands; rejects like a dropped link when it closes first. */
function whenReady(connection: Redis): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  const waiting = openings.get(connection);
  if (waiting) return waiting.opened;
  let fail: (error: Error) => void = () => undefined;
  const opened = new Promise<void>((resolve, reject) => {
    const settle = (outcome: () => void): void => {
      connection.off('ready', onReady);
      connection.off('close', onClose);
      openings.delete(connection);
      outcome();
    };
    const onReady = (): void => settle(resolve);
    const onClose = (): void =>
      settle(() => reject(new Error(`Connection is closed. (subscriber connection to ${connection.options.host}:${connection.options.port} closed before it was ready)`)));
    fail = (error) => settle(() => reject(error));
    connection.once('ready', onReady);
    connection.once('close', onClose);
  });
  openings.set(connection, { opened, fail });
  return opened;
}

/**
 * The connection is being dropped by this node (detach removes every listener, whenReady's too): what
 * waits for it to open is rejected now, or it would wait for ever (an SSUBSCRIBE of a room joined as the
 * app shuts down, or as its master lost its slots).
 */
function stopOpening(connection: Redis, error: Error): void {
  openings.get(connection)?.fail(error);
}
