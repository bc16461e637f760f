// A real Redis Cluster for the cluster suites: Debian's redis-server 7 in cluster mode on free
// loopback ports (masters + replicas), joined by `redis-cli --cluster create`, each node in its own
// temp dir and stopped by its PID. Fails loudly when redis-server or redis-cli is missing.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { pollUntil, serverLogs, withRedisClient } from './redis-admin';
import { RedisServer } from './redis-server';

const READY_TIMEOUT_MS = 30_000;
// Redis Cluster listens on port + 10000 for its bus, so both must be free.
const BUS_PORT_OFFSET = 10_000;
const MAX_PORT = 65_535 - BUS_PORT_OFFSET;
const START_ATTEMPTS = 3;

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: a master unreachable this long is failed over. Default 1 000 (Redis's is 15 000). */
  nodeTimeoutMs?: number;
}

/** A slot's range and the nodes serving it, from CLUSTER SLOTS. */
export interface SlotRange {
  first: number;
  last: number;
  master: string;
  replicas: string[];
}

export class RedisCluster {
  private constructor(readonly nodes: RedisServer[]) {}

  /** Starts the nodes, creates the cluster and resolves once every node says `cluster_state:ok`. */
  static async start({ masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 1000 }: RedisClusterOptions = {}): Promise<RedisCluster> {
    const count = masters * (1 + replicasPerMaster);
    // A replica may always stand for election (validity factor 0): a test kills masters whenever it likes.
    const args = ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-config-file', 'nodes.conf', '--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0'];
    const nodes: RedisServer[] = [];
    const cluster = new RedisCluster(nodes);
    try {
      while (nodes.length < count) nodes.push(await startNode(args));
      await redisCli(['--cluster', 'create', ...nodes.map((node) => node.address), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes']);
      await cluster.waitUntilOk(replicasPerMaster);
      return cluster;
    } catch (error) {
      await cluster.dispose();
      throw error;
    }
  }

  /** Seed nodes as `ioredis.Cluster` takes them. */
  get seeds(): { host: string; port: number }[] {
    return this.nodes.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** Seed nodes as the sample's REDIS_CLUSTER_URLS takes them. */
  get urls(): string {
    return this.nodes.map((node) => node.url).join(',');
  }

  node(address: string): RedisServer {
    const node = this.nodes.find((candidate) => candidate.address === address);
    if (!node) throw new Error(`no node ${address} in this cluster`);
    return node;
  }

  /** The slot map as a live node sees it. */
  async slots(): Promise<SlotRange[]> {
    const [node] = this.running();
    if (!node) throw new Error('no node of the cluster is running');
    return slotsSeenBy(node);
  }

  async masterOf(slot: number): Promise<RedisServer> {
    const range = (await this.slots()).find(({ first, last }) => first <= slot && slot <= last);
    if (!range) throw new Error(`slot ${slot} is not served`);
    return this.node(range.master);
  }

  /** The slot's master, and another master to migrate the slot to. */
  async migrationOf(slot: number): Promise<{ from: RedisServer; to: RedisServer }> {
    const from = await this.masterOf(slot);
    const to = (await this.slots()).map(({ master }) => master).find((address) => address !== from.address);
    if (to === undefined) throw new Error('one master only: nowhere to migrate to');
    return { from, to: this.node(to) };
  }

  /**
   * Resolves once every running node reports `cluster_state:ok` and the same master for every slot
   * range, and (when asked) each master has that many replicas in sync.
   */
  async waitUntilOk(replicasPerMaster = 0): Promise<void> {
    await this.waitFor('cluster_state:ok on every node', async () => {
      const states = await Promise.all(this.running().map((node) => withRedisClient(node.port, (redis) => redis.cluster('INFO') as Promise<string>)));
      if (!states.every((info) => info.includes('cluster_state:ok'))) return false;
      if (replicasPerMaster > 0) {
        const ranges = await this.slots();
        if (ranges.some(({ replicas }) => replicas.length < replicasPerMaster)) return false;
        const links = await Promise.all(ranges.flatMap(({ replicas }) => replicas.map((address) => withRedisClient(this.node(address).port, (redis) => redis.info('replication')))));
        if (!links.every((info) => info.includes('master_link_status:up'))) return false;
      }
      const views = await Promise.all(this.running().map(slotsSeenBy));
      const masters = views.map((ranges) => JSON.stringify(ranges.map(({ first, master }) => [first, master]).sort()));
      return masters.every((view) => view === masters[0]);
    });
  }

  /**
   * SIGKILLs the master of a slot and resolves once its replica serves the slot and the cluster is
   * ok again; returns the time from the kill to that moment.
   */
  async killMasterOf(slot: number): Promise<{ killed: RedisServer; promoted: RedisServer; failoverMs: number }> {
    const killed = await this.masterOf(slot);
    const killedAt = Date.now();
    await killed.stop('SIGKILL');
    let promoted: RedisServer | undefined;
    await this.waitFor(`a replica of ${killed.address} promoted`, async () => {
      const master = await this.masterOf(slot);
      if (master === killed) return false;
      promoted = master;
      return true;
    });
    await this.waitUntilOk();
    return { killed, promoted: promoted as RedisServer, failoverMs: Date.now() - killedAt };
  }

  /**
   * Moves one slot to another master the way `redis-cli --cluster reshard` does: IMPORTING on the
   * target, MIGRATING on the source, MIGRATE of its keys in batches, then SETSLOT NODE on every master.
   */
  async migrateSlot(slot: number, to: RedisServer): Promise<void> {
    const finish = await this.beginSlotMigration(slot, to);
    await finish();
  }

  /**
   * The first half of a reshard: the target IMPORTING, the source MIGRATING. The returned function
   * moves the slot's keys and settles it (SETSLOT NODE on the target, the source, then the others),
   * and waits until every node sees it there.
   */
  async beginSlotMigration(slot: number, to: RedisServer): Promise<() => Promise<void>> {
    const from = await this.masterOf(slot);
    if (from === to) throw new Error(`slot ${slot} is already on ${to.address}`);
    const [targetId, sourceId] = await Promise.all([to, from].map((node) => withRedisClient(node.port, async (redis) => (await redis.cluster('MYID')) as string)));
    await withRedisClient(to.port, (target) => target.cluster('SETSLOT', slot, 'IMPORTING', sourceId));
    await withRedisClient(from.port, (source) => source.cluster('SETSLOT', slot, 'MIGRATING', targetId));
    return async () => {
      await withRedisClient(from.port, async (source) => {
        for (;;) {
          const keys = (await source.cluster('GETKEYSINSLOT', slot, 100)) as string[];
          if (keys.length === 0) break;
          await source.migrate('127.0.0.1', to.port, '', 0, 5000, 'KEYS', ...keys);
        }
      });
      // The target first, then the source (as redis-cli does), then the other masters.
      const others = [...new Set((await this.slots()).map(({ master }) => master))].filter((address) => address !== to.address && address !== from.address);
      for (const node of [to, from, ...others.map((address) => this.node(address))]) await withRedisClient(node.port, (redis) => redis.cluster('SETSLOT', slot, 'NODE', targetId));
      await this.waitFor(`slot ${slot} on ${to.address} in every node's view`, async () => {
        const views = await Promise.all(this.running().map(slotsSeenBy));
        return views.every((ranges) => ranges.some(({ first, last, master }) => first <= slot && slot <= last && master === to.address));
      });
    };
  }

  /** Stops every node by its PID and removes their directories. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
  }

  private running(): RedisServer[] {
    return this.nodes.filter((node) => node.isRunning);
  }

  private waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    return pollUntil(`Redis Cluster: ${what}`, check, READY_TIMEOUT_MS, () => serverLogs(this.nodes));
  }
}


/** The slot map as one node sees it (CLUSTER SLOTS). */
async function slotsSeenBy(node: RedisServer): Promise<SlotRange[]> {
  const ranges = await withRedisClient(node.port, (redis) => redis.cluster('SLOTS'));
  return ranges.map(([first, last, [masterHost, masterPort], ...replicas]) => ({
    first,
    last,
    master: `${masterHost}:${masterPort}`,
    replicas: replicas.map(([host, port]) => `${host}:${port}`),
  }));
}

function redisCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error('redis-cli was not found: run `bash test/setup/ensure-system-deps.sh` (apt-get install -y redis-tools)') : error),
    );
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli ${args.join(' ')} exited with ${code}:\n${output}`))));
  });
}

/** A cluster node on a port p where p and its bus port p + 10000 are free; another try when another process took one meanwhile. */
async function startNode(args: readonly string[]): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (MAX_PORT - 20_000));
    if (!(await isFree(port)) || !(await isFree(port + BUS_PORT_OFFSET))) continue;
    try {
      return await RedisServer.start({ port, args });
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !String(error).includes('Address already in use')) throw error;
    }
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
