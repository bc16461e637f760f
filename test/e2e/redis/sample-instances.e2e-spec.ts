// Issue 7: the sample app runs as several instances with REDIS_URL set, and the chat works across
// them. Two real processes of sample/src/main.ts (prom-client's global registry allows one app per
// process), one real redis-server; `ws` clients on each instance.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { EnvelopeClient } from '../../helpers/envelope-client';
import { RedisServer } from '../../helpers/redis-server';
import { retainedIn } from '../../helpers/sample-suite';

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
const MAIN = join(ROOT, 'sample', 'src', 'main.ts');
/** A fresh process compiles the sample and the library first: allow for a slow machine. */
const START_WAIT_MS = 20_000;
const STOP_WAIT_MS = 5000;
const STATS_WAIT_MS = 5000;

jest.setTimeout(60_000);

interface SampleInstance {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/** Spawns `node -r swc-register.cjs sample/src/main.ts` and resolves once it logs that it listens. */
async function startSample(name: string, redisUrl: string): Promise<SampleInstance> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const instance: SampleInstance = { name, port, child, output: () => output };
  await new Promise<void>((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes(`listening on http://localhost:${port}`)) finish();
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`instance ${name} exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    const timer = setTimeout(() => finish(new Error(`instance ${name} did not listen on ${port} within ${START_WAIT_MS} ms:\n${output}`)), START_WAIT_MS);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  }).catch(async (error: unknown) => {
    await stopSample(instance);
    throw error;
  });
  return instance;
}

/** SIGKILL by PID, then waits (bounded) for the exit. */
async function stopSample(instance: SampleInstance | undefined): Promise<void> {
  const child = instance?.child;
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
  clearTimeout(timer);
}

const httpUrl = (instance: SampleInstance, path: string): string => `http://127.0.0.1:${instance.port}${path}`;
const wsUrl = (instance: SampleInstance, path: string): string => `ws://127.0.0.1:${instance.port}${path}`;

interface Stats {
  connections: number;
  total: number;
  nodes: unknown[];
}

async function getStats(instance: SampleInstance): Promise<Stats> {
  const response = await fetch(httpUrl(instance, '/stats'), { signal: AbortSignal.timeout(STATS_WAIT_MS) });
  expect(response.status).toBe(200);
  return (await response.json()) as Stats;
}

describe('the sample app as two instances sharing REDIS_URL', () => {
  let redis: RedisServer | undefined;
  let a: SampleInstance | undefined;
  let b: SampleInstance | undefined;
  const clients: EnvelopeClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    [a, b] = await Promise.all([startSample('A', redis.url), startSample('B', redis.url)]);
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all([stopSample(a), stopSample(b)]);
    await redis?.dispose();
  });

  const instances = (): [SampleInstance, SampleInstance] => {
    if (!a || !b) throw new Error('the instances did not start');
    return [a, b];
  };

  const connect = async (instance: SampleInstance): Promise<EnvelopeClient> => {
    const client = await EnvelopeClient.connect(wsUrl(instance, '/chat'));
    clients.push(client);
    return client;
  };

  it('carries join, say, presence, HTTP pushes and connection counts across the instances', async () => {
    const [nodeA, nodeB] = instances();
    const alice = await connect(nodeA);
    const bob = await connect(nodeB);

    // alice joins on A, then bob on B: bob's reply lists alice, and alice on A hears bob's arrival.
    expect(await alice.request('join', { room: 'lobby', name: 'alice' })).toEqual({ event: 'join', data: { room: 'lobby', members: ['alice'] }, id: 1 });
    const bobJoin = await bob.request('join', { room: 'lobby', name: 'bob' });
    expect(bobJoin).toMatchObject({ event: 'join', data: { room: 'lobby' }, id: 1 });
    expect([...(bobJoin.data as { members: string[] }).members].sort()).toEqual(['alice', 'bob']);
    expect(await alice.next((envelope) => envelope.event === 'joined' && (envelope.data as { name?: string }).name === 'bob')).toEqual({
      event: 'joined',
      data: { room: 'lobby', name: 'bob' },
      ...retainedIn('lobby'),
    });

    // say on A reaches bob on B.
    alice.send('say', { room: 'lobby', text: 'hello from A' });
    expect(await bob.next('said')).toEqual({ event: 'said', data: { room: 'lobby', from: 'alice', text: 'hello from A', at: expect.any(String) }, ...retainedIn('lobby') });
    expect(await alice.next('said')).toMatchObject({ event: 'said', data: { room: 'lobby', from: 'alice', text: 'hello from A' } });

    // POST /rooms/lobby/messages on B reaches alice on A.
    const posted = await fetch(httpUrl(nodeB, '/rooms/lobby/messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'from B' }),
      signal: AbortSignal.timeout(STATS_WAIT_MS),
    });
    expect(posted.status).toBe(202);
    expect(await posted.json()).toEqual({ room: 'lobby', members: 2 });
    expect(await alice.next('said')).toEqual({ event: 'said', data: { room: 'lobby', from: 'server', text: 'from B', at: expect.any(String) }, ...retainedIn('lobby') });
    expect(await bob.next('said')).toMatchObject({ event: 'said', data: { room: 'lobby', from: 'server', text: 'from B' } });

    // GET /stats on A: one connection of its own, two across both nodes.
    const stats = await getStats(nodeA);
    expect(stats.connections).toBe(1);
    expect(stats.total).toBe(2);
    expect(stats.nodes).toHaveLength(2);
  });

  it('resumes on the other instance a /chat client that dropped: the messages it missed, in order', async () => {
    const [nodeA, nodeB] = instances();
    const alice = await connect(nodeA);
    const bob = await connect(nodeB);
    const session = ((await bob.next('$session')).data as { id: string }).id;
    await alice.request('join', { room: 'resume', name: 'alice' });
    await bob.request('join', { room: 'resume', name: 'bob' });
    alice.send('say', { room: 'resume', text: 'before' });
    const { offset, epoch } = (await bob.next('said')) as { offset?: number; epoch?: string };

    bob.socket.terminate();
    await alice.next((envelope) => envelope.event === 'left' && (envelope.data as { name?: string }).name === 'bob');
    alice.send('say', { room: 'resume', text: 'while away' });
    await alice.next((envelope) => envelope.event === 'said' && (envelope.data as { text?: string }).text === 'while away');
    const back = await connect(nodeA);
    const reply = await back.request('$resume', { session, rooms: { 'chat:resume': { offset, epoch } } });

    expect(reply).toMatchObject({ data: { restored: true, rooms: { 'chat:resume': { recovered: true, replayed: 2 } } } });
    expect(back.unreadEnvelopes().filter((envelope) => envelope.event !== '$session')).toEqual([
      { event: 'left', data: { room: 'resume', name: 'bob' }, ...retainedIn('resume') },
      { event: 'said', data: { room: 'resume', from: 'alice', text: 'while away', at: expect.any(String) }, ...retainedIn('resume') },
    ]);
  });
});
