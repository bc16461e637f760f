// `npm run bench:transports [-- --quick]`: server push over WebSocket (nest-rfc6455), SSE, long
// polling and short polling, side by side on loopback; see README.md in this folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ByteMeter, Delivery, OnDelivery, PushClient } from './clients/push-client';
import { PollPushClient } from './clients/poll-push-client';
import { SsePushClient } from './clients/sse-push-client';
import { WsPushClient } from './clients/ws-push-client';
import { parsePlan, Plan, TRANSPORT_IDS } from './options';
import { killAll, killChildrenOnExit, ServerProcess, startServer, stopServer } from './processes';
import { markdownReport, percentile, TransportResult } from './report';
import { LOOPBACK, nowNs } from './wire';

interface Transport {
  id: (typeof TRANSPORT_IDS)[number];
  label: string;
  script: string;
  args: string[];
  client(port: number, meter: ByteMeter, onDelivery: OnDelivery, plan: Plan): PushClient;
}

const TRANSPORTS: Transport[] = [
  { id: 'websocket', label: 'WebSocket (nest-rfc6455)', script: 'ws-push-server.js', args: [], client: (port, meter, on) => new WsPushClient(port, meter, on) },
  // The same Nest app and gateway as WebSocket, reached through its HTTP fallback (`fallback: { sse: true }`, docs/fallback.md).
  { id: 'fallback', label: 'SSE fallback (nest-rfc6455)', script: 'ws-push-server.js', args: [], client: (port, meter, on) => new SsePushClient(port, meter, on, '/feed') },
  { id: 'sse', label: 'SSE', script: 'http-push-server.js', args: ['sse'], client: (port, meter, on) => new SsePushClient(port, meter, on) },
  {
    id: 'long-poll',
    label: 'long polling',
    script: 'http-push-server.js',
    args: ['long-poll'],
    client: (port, meter, on, plan) => new PollPushClient(port, meter, on, { isLong: true, intervalMs: plan.pollIntervalMs }),
  },
  {
    id: 'short-poll',
    label: 'short polling',
    script: 'http-push-server.js',
    args: ['short-poll'],
    client: (port, meter, on, plan) => new PollPushClient(port, meter, on, { isLong: false, intervalMs: plan.pollIntervalMs }),
  },
];

const SERVER_READY_TIMEOUT_MS = 10_000;
const REPO_ROOT = resolve(__dirname, '..', '..', '..'); // dist/examples/transports → the repository

async function main(): Promise<void> {
  const plan = parsePlan(process.argv.slice(2));
  killChildrenOnExit();
  const watchdog = setTimeout(() => {
    killAll();
    console.error(`bench:transports: over its ${plan.budgetMs} ms budget, every server killed`);
    process.exit(1);
  }, plan.budgetMs);
  const startedAt = new Date();
  const loadAverage = loadavg()[0];
  const started = Date.now();
  const transports = TRANSPORTS.filter((t) => plan.only === undefined || plan.only.includes(t.id));
  console.log(`bench:transports: ${transports.length} transports × ${plan.clients} clients, ${plan.ratePerSecond} msg/s, ${plan.warmupMs / 1000} s warm-up + ${plan.windowMs / 1000} s each`);

  // The servers start together (Nest takes the longest); each is measured alone, then killed.
  const env = { RATE_PER_SECOND: String(plan.ratePerSecond), NODE_ENV: 'production' };
  const servers = await Promise.all(transports.map((t) => startServer(join(__dirname, 'servers', t.script), t.args, env, SERVER_READY_TIMEOUT_MS)));
  const results: TransportResult[] = [];
  for (const [i, transport] of transports.entries()) {
    results.push(await measure(transport, servers[i], plan));
    await stopServer(servers[i]);
    const r = results[results.length - 1];
    console.log(`  ${transport.label}: p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${Math.round(r.downBytesPerMessage + r.upBytesPerMessage)} B/msg`);
  }
  clearTimeout(watchdog);

  const markdown = markdownReport(plan, results, startedAt, loadAverage);
  const outDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'transports.md'), markdown);
  writeFileSync(join(outDir, 'transports.json'), JSON.stringify({ startedAt, loadAverage, plan, results }, null, 2));
  console.log(`\n${markdown}\nwritten to bench/results/transports.md in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function measure(transport: Transport, server: ServerProcess, plan: Plan): Promise<TransportResult> {
  await checkSharedClock(server.port);
  const meter = new ByteMeter();
  const latenciesMs: number[] = [];
  let jsonBytes = 0;
  let isMeasuring = false;
  let lost = 0;
  let duplicated = 0;
  const clients = Array.from({ length: plan.clients }, () => {
    let lastSeq: number | undefined;
    const onDelivery = (delivery: Delivery): void => {
      if (lastSeq !== undefined && delivery.seq <= lastSeq) duplicated++;
      else if (lastSeq !== undefined) lost += delivery.seq - lastSeq - 1;
      lastSeq = Math.max(lastSeq ?? 0, delivery.seq);
      if (!isMeasuring) return;
      latenciesMs.push(Number(delivery.receivedAtNs - delivery.sentAtNs) / 1e6);
      jsonBytes += delivery.jsonBytes;
    };
    return transport.client(server.port, meter, onDelivery, plan);
  });
  await Promise.all(clients.map((client) => client.start()));
  await sleep(plan.warmupMs);

  const bytesBefore = meter.snapshot();
  const requestsBefore = sum(clients.map((client) => client.requests));
  const emptyBefore = sum(clients.map((client) => client.emptyAnswers));
  isMeasuring = true;
  await sleep(plan.windowMs);
  isMeasuring = false;
  const bytes = ByteMeter.between(bytesBefore, meter.snapshot());
  const requests = sum(clients.map((client) => client.requests)) - requestsBefore;
  const emptyAnswers = sum(clients.map((client) => client.emptyAnswers)) - emptyBefore;
  for (const client of clients) client.stop();

  const messages = latenciesMs.length;
  if (messages === 0) throw new Error(`${transport.label}: no message arrived in the measured window`);
  const sorted = latenciesMs.sort((a, b) => a - b);
  const setups = clients.map((client) => client.setupBytes).filter((value): value is number => value !== undefined);
  return {
    label: transport.label,
    messages,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1],
    jsonBytesPerMessage: jsonBytes / messages,
    downBytesPerMessage: bytes.down / messages,
    upBytesPerMessage: bytes.up / messages,
    requestsPerMessage: requests / messages,
    bytesPerRequest: requests > 0 ? (bytes.down + bytes.up) / requests : undefined,
    emptyAnswerShare: requests > 0 ? emptyAnswers / requests : 0,
    setupBytesPerConnection: setups.length > 0 ? sum(setups) / setups.length : undefined,
    lost,
    duplicated,
  };
}

/**
 * Latency subtracts a server's stamp from the driver's clock: both must read the same clock.
 * The server's reading must fall between two of ours taken around the request.
 */
async function checkSharedClock(port: number): Promise<void> {
  const before = nowNs();
  const body = await new Promise<string>((resolve, reject) => {
    get({ host: LOOPBACK, port, path: '/clock' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve(text));
    }).on('error', reject);
  });
  const after = nowNs();
  const theirs = BigInt(body);
  if (theirs < before || theirs > after) throw new Error(`the server's clock (${theirs}) is not the driver's (${before}…${after}): latency cannot be measured`);
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

main().catch((error: unknown) => {
  console.error(error);
  killAll();
  process.exit(1);
});
