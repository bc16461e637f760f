// A real Sentinel set for the Sentinel suites: one master, one replica and three redis-sentinel
// processes (quorum 2) from Debian's packages on free loopback ports, each in its own temp dir and
// stopped by its PID. Fails loudly when redis-server or redis-sentinel is missing.
import { pollUntil, serverLogs, withRedisClient } from './redis-admin';
import { RedisServer } from './redis-server';

const READY_TIMEOUT_MS = 30_000;
const SENTINELS = 3;
const QUORUM = 2;

export interface RedisSentinelOptions {
  /** The monitored master's name. Default `mymaster`. */
  name?: string;
  /** `down-after-milliseconds`: a master silent this long is down. Default 1 000 (Sentinel's is 30 000). */
  downAfterMs?: number;
}

export class RedisSentinelSet {
  private constructor(
    readonly name: string,
    /** [master, replica] as started; after a failover the replica is the master. */
    readonly servers: RedisServer[],
    readonly sentinels: RedisServer[],
  ) {}

  /** Starts master, replica and sentinels; resolves once every sentinel knows the replica and the other sentinels. */
  static async start({ name = 'mymaster', downAfterMs = 1000 }: RedisSentinelOptions = {}): Promise<RedisSentinelSet> {
    const servers: RedisServer[] = [];
    const sentinels: RedisServer[] = [];
    const set = new RedisSentinelSet(name, servers, sentinels);
    try {
      const master = await RedisServer.start({ args: ['--repl-diskless-sync-delay', '0'] });
      servers.push(master);
      servers.push(await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-sync-delay', '0'] }));
      const config = [
        `sentinel monitor ${name} 127.0.0.1 ${master.port} ${QUORUM}`,
        `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
        `sentinel failover-timeout ${name} ${downAfterMs * 5}`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n');
      for (let index = 0; index < SENTINELS; index++) sentinels.push(await RedisServer.start({ sentinelConfig: config }));
      await set.waitFor('every sentinel to know the replica and the other sentinels', async () => {
        const views = await Promise.all(sentinels.map((sentinel) => withRedisClient(sentinel.port, (redis) => redis.call('SENTINEL', 'MASTER', name) as Promise<string[]>)));
        return views.every((fields) => field(fields, 'num-slaves') === '1' && field(fields, 'num-other-sentinels') === String(SENTINELS - 1));
      });
      return set;
    } catch (error) {
      await set.dispose();
      throw error;
    }
  }

  /** Sentinels as ioredis takes them (`{ sentinels, name }`). */
  get endpoints(): { host: string; port: number }[] {
    return this.sentinels.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** Sentinels as the sample's REDIS_SENTINELS takes them. */
  get addresses(): string {
    return this.sentinels.map((sentinel) => sentinel.address).join(',');
  }

  /** The master every running sentinel names now (throws when they disagree). */
  async master(): Promise<RedisServer> {
    const views = await Promise.all(
      this.sentinels.filter((sentinel) => sentinel.isRunning).map((sentinel) => withRedisClient(sentinel.port, (redis) => redis.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name) as Promise<[string, string]>)),
    );
    const ports = new Set(views.map(([, port]) => Number(port)));
    if (ports.size !== 1) throw new Error(`the sentinels disagree on the master: ${[...ports].join(', ')}`);
    const [port] = ports;
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`the sentinels name an unknown master on port ${port}`);
    return server;
  }

  /** SIGKILLs the master and resolves once the sentinels name the replica and it answers as master; returns that time. */
  async killMaster(): Promise<{ killed: RedisServer; promoted: RedisServer; failoverMs: number }> {
    const killed = await this.master();
    const killedAt = Date.now();
    await killed.stop('SIGKILL');
    let promoted: RedisServer | undefined;
    await this.waitFor('the replica promoted', async () => {
      const master = await this.master();
      if (master === killed) return false;
      const role = await withRedisClient(master.port, (redis) => redis.role());
      if (role[0] !== 'master') return false;
      promoted = master;
      return true;
    });
    return { killed, promoted: promoted as RedisServer, failoverMs: Date.now() - killedAt };
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((server) => server.dispose()));
  }

  private waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    return pollUntil(`Redis Sentinel: ${what}`, check, READY_TIMEOUT_MS, () => serverLogs([...this.servers, ...this.sentinels]));
  }
}

/** A field of a flat [name, value, …] reply. */
const field = (fields: string[], name: string): string | undefined => fields[fields.indexOf(name) + 1];

