// permessage-deflate figures for issue 5: shared vs per-connection broadcast compression, and the
// compression ratio of chat traffic. Needs the compiled library: `npx tsc -p tsconfig.build.json`.
//
//   node bench/deflate/deflate-bench.mjs [--clients 500] [--messages 200] [--repeats 3] [--chat 500]
//
// The parent process runs the ws clients; a forked child runs the Nest app, so the server's CPU
// time (process.cpuUsage in the child) excludes the clients' inflate and parse work.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('clients', 500);
const M = arg('messages', 200);
const REPEATS = arg('repeats', 3);
const CHAT = arg('chat', 500);
const TRIAL_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------- deterministic chat-like data
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const WORDS = ('hey hi ok so yes no maybe the a to and of in is it that this for on with you we they i me my our ' +
  'deploy build test merge review branch release tonight tomorrow meeting lunch coffee bug fix issue ticket ' +
  'server client room message latency broken works again thanks great sounds good lol sure why what when ' +
  'did anyone see the dashboard graph spike after rollout can you check logs please looks fine now weird ' +
  'pushed PR approved CI green red flaky retry staging prod customer reported slow login page').split(' ');
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
function chatText(r) {
  const target = 20 + Math.floor(r() * 181); // 20–200 chars
  let t = '';
  while (t.length < target) t += (t ? ' ' : '') + WORDS[Math.floor(r() * WORDS.length)];
  t = t.slice(0, target).trimEnd();
  return t.charAt(0).toUpperCase() + t.slice(1) + (r() < 0.3 ? '?' : r() < 0.5 ? '.' : '');
}
function chatData(r, i, room = 'lobby') {
  return { room, from: NAMES[Math.floor(r() * NAMES.length)], text: chatText(r), at: new Date(Date.UTC(2025, 10, 28, 12, 0, 0) + i * 1370).toISOString() };
}
/** ~4 KiB of chat-like JSON: a page of recent messages. */
function broadcastPayloads(count) {
  const r = rng(42);
  const out = [];
  let k = 0;
  for (let m = 0; m < count; m++) {
    const messages = [];
    while (JSON.stringify(messages).length < 4000) messages.push(chatData(r, k++, 'r'));
    out.push({ seq: m, messages });
  }
  return out;
}

// ---------------------------------------------------------------- server (child)
async function server() {
  require('reflect-metadata');
  const { Module } = require('@nestjs/common');
  const { NestFactory } = require('@nestjs/core');
  const lib = require(root); // package.json main: dist/lib/index.js
  const { WebSocketModule, Gateway, Rooms } = lib;

  const joined = new Map();
  const gateways = {};
  function makeGateway(name, routePath, perMessageDeflate) {
    const Cls = class {
      constructor(rooms) { this.rooms = rooms; }
      async handleConnection(client) {
        await this.rooms.join(client, `room:${name}`);
        joined.set(name, (joined.get(name) ?? 0) + 1);
      }
      handleDisconnect() { joined.set(name, (joined.get(name) ?? 0) - 1); }
    };
    Object.defineProperty(Cls, 'name', { value: `${name}Gateway` });
    Reflect.defineMetadata('design:paramtypes', [Rooms], Cls);
    Gateway({ path: routePath, perMessageDeflate, maxBufferedBytes: 64 * 1024 * 1024 })(Cls);
    gateways[name] = Cls;
    return Cls;
  }
  const defs = {
    shared: ['/shared', true],
    perConnection: ['/per-connection', { serverNoContextTakeover: false }],
    plain: ['/plain', undefined],
    noTakeover: ['/no-takeover', true],
    takeover: ['/takeover', { serverNoContextTakeover: false }],
    noTakeover0: ['/no-takeover-t0', { thresholdBytes: 0 }],
    takeover0: ['/takeover-t0', { serverNoContextTakeover: false, thresholdBytes: 0 }],
  };
  const providers = Object.entries(defs).map(([n, [p, d]]) => makeGateway(n, p, d));
  class AppModule {}
  Module({ imports: [WebSocketModule.forRoot({ heartbeatIntervalMs: 0 })], providers })(AppModule);

  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const port = app.getHttpServer().address().port;
  const rooms = app.get(Rooms);
  const payloads = broadcastPayloads(M);

  process.on('message', async (msg) => {
    if (msg.cmd === 'count') process.send({ count: joined.get(msg.name) ?? 0 });
    if (msg.cmd === 'broadcast') {
      // Room "r" of the brief, named per gateway: only one gateway's clients are connected per trial anyway.
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (const p of payloads) await rooms.to(`room:${msg.name}`).send('msg', p);
      const sendMs = Number(process.hrtime.bigint() - t0) / 1e6;
      process.once('message', (m2) => {
        if (m2.cmd !== 'done') return;
        const cpu = process.cpuUsage(cpu0);
        process.send({ sendMs, cpuMs: (cpu.user + cpu.system) / 1000 });
      });
      process.send({ sent: true });
    }
    if (msg.cmd === 'chat') {
      const r = rng(7);
      for (let i = 0; i < msg.count; i++) await rooms.to(`room:${msg.name}`).send('said', chatData(r, i));
      process.send({ sent: true });
    }
    if (msg.cmd === 'exit') {
      await app.close();
      process.exit(0);
    }
  });
  process.send({ port });
}

// ---------------------------------------------------------------- clients (parent)
async function main() {
  const WebSocket = require('ws');
  const child = fork(fileURLToPath(import.meta.url), ['--server', '--clients', String(N), '--messages', String(M)], { stdio: 'inherit' });
  const inbox = [];
  let waiter;
  child.on('message', (m) => { inbox.push(m); waiter?.(); });
  const next = async (ms = TRIAL_TIMEOUT_MS) => {
    const deadline = Date.now() + ms;
    while (!inbox.length) {
      if (Date.now() > deadline) throw new Error('server did not answer');
      await new Promise((res) => { waiter = res; setTimeout(res, 200); });
    }
    return inbox.shift();
  };
  const ask = async (m) => { child.send(m); return next(); };
  const { port } = await next();
  const negotiated = (ws) => {
    const d = ws._extensions?.['permessage-deflate'];
    if (!d) return '—';
    return ['permessage-deflate', ...Object.entries(d.params).map(([k, v]) => (v === true ? k : `${k}=${v}`))].join('; ');
  };
  const url = (p) => `ws://127.0.0.1:${port}${p}`;

  async function connectAll(p, n, onMessage) {
    const clients = [];
    for (let i = 0; i < n; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + 50); j++) {
        const ws = new WebSocket(url(p), { perMessageDeflate: { clientMaxWindowBits: true } });
        ws.on('message', (data) => onMessage(ws, data));
        batch.push(new Promise((res, rej) => { ws.once('open', () => res(ws)); ws.once('error', rej); }));
      }
      clients.push(...(await Promise.all(batch)));
    }
    return clients;
  }
  async function closeAll(clients) {
    await Promise.all(clients.map((ws) => new Promise((res) => {
      if (ws.readyState === WebSocket.CLOSED) return res();
      ws.once('close', res);
      ws.close();
      setTimeout(() => { ws.terminate(); res(); }, 10_000).unref();
    })));
  }
  async function waitJoined(name, n) {
    const deadline = Date.now() + 30_000;
    while ((await ask({ cmd: 'count', name })).count !== n) {
      if (Date.now() > deadline) throw new Error(`${name}: clients did not all join`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---- 1) broadcast: shared compressor vs per-connection compression
  const trials = { shared: [], perConnection: [] };
  const extensionsSeen = {};
  for (let rep = 0; rep < REPEATS; rep++) {
    const order = rep % 2 === 0 ? ['shared', 'perConnection'] : ['perConnection', 'shared'];
    for (const name of order) {
      const p = name === 'shared' ? '/shared' : '/per-connection';
      let remaining = N;
      let resolveAll;
      const allDone = new Promise((r) => { resolveAll = r; });
      const counts = new Map();
      const clients = await connectAll(p, N, (ws) => {
        const c = (counts.get(ws) ?? 0) + 1;
        counts.set(ws, c);
        if (c === M && --remaining === 0) resolveAll();
      });
      extensionsSeen[name] = negotiated(clients[0]);
      const bad = clients.filter((ws) => !ws.extensions.includes('permessage-deflate'));
      if (bad.length) throw new Error(`${name}: ${bad.length} clients without permessage-deflate`);
      await waitJoined(name, N);
      const wire0 = clients.reduce((s, ws) => s + ws._socket.bytesRead, 0);
      const t0 = performance.now();
      child.send({ cmd: 'broadcast', name });
      const sentAck = await next();
      if (!sentAck.sent) throw new Error('unexpected ' + JSON.stringify(sentAck));
      const timer = setTimeout(() => resolveAll('timeout'), TRIAL_TIMEOUT_MS);
      const outcome = await allDone;
      clearTimeout(timer);
      const ms = performance.now() - t0;
      const { sendMs, cpuMs } = await ask({ cmd: 'done' });
      const wire = clients.reduce((s, ws) => s + ws._socket.bytesRead, 0) - wire0;
      if (outcome === 'timeout') throw new Error(`${name}: timed out`);
      const t = { ms, sendMs, cpuMs, deliveriesPerS: (N * M) / (ms / 1000), wireBytes: wire };
      trials[name].push(t);
      console.log(`rep ${rep + 1} ${name.padEnd(13)} ${Math.round(t.deliveriesPerS)} deliveries/s, ${ms.toFixed(0)} ms, server CPU ${cpuMs.toFixed(0)} ms, wire ${(wire / 1e6).toFixed(1)} MB`);
      await closeAll(clients);
      await waitJoined(name, 0);
    }
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  const summary = Object.fromEntries(Object.entries(trials).map(([k, ts]) => [k, {
    deliveriesPerS: median(ts.map((t) => t.deliveriesPerS)),
    ms: median(ts.map((t) => t.ms)),
    cpuMs: median(ts.map((t) => t.cpuMs)),
    wireMB: median(ts.map((t) => t.wireBytes)) / 1e6,
    all: ts.map((t) => Math.round(t.deliveriesPerS)).join(' / '),
    cpuAll: ts.map((t) => Math.round(t.cpuMs)).join(' / '),
  }]));

  // ---- 2) compression ratio on chat traffic
  const r = rng(7);
  let rawPayload = 0;
  for (let i = 0; i < CHAT; i++) rawPayload += Buffer.byteLength(JSON.stringify({ event: 'said', data: chatData(r, i) }));
  const ratioRows = [];
  for (const [name, p, label] of [
    ['plain', '/plain', 'no deflate'],
    ['noTakeover', '/no-takeover', 'deflate, defaults (no context takeover, threshold 1 KiB)'],
    ['takeover', '/takeover', 'deflate, context takeover (threshold 1 KiB)'],
    ['noTakeover0', '/no-takeover-t0', 'deflate, no context takeover, threshold 0'],
    ['takeover0', '/takeover-t0', 'deflate, context takeover, threshold 0'],
  ]) {
    let got = 0;
    let resolve;
    const done = new Promise((res) => { resolve = res; });
    let compressedFrames = 0;
    // ws's receiver still holds the RSV1 flag of the message it is emitting (it inflates before reading on).
    const [ws] = await connectAll(p, 1, (sock) => {
      if (sock._receiver._compressed) compressedFrames++;
      if (++got === CHAT) resolve();
    });
    await waitJoined(name, 1);
    const b0 = ws._socket.bytesRead;
    child.send({ cmd: 'chat', name, count: CHAT });
    await next();
    await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error('chat timeout')), 30_000))]);
    const bytes = ws._socket.bytesRead - b0;
    ratioRows.push({ label, ext: negotiated(ws), bytes, perMsg: bytes / CHAT, vsPlain: 0, compressedFrames });
    await closeAll([ws]);
    await waitJoined(name, 0);
  }
  const plainBytes = ratioRows[0].bytes;
  for (const row of ratioRows) row.vsPlain = row.bytes / plainBytes;

  await ask({ cmd: 'exit' }).catch(() => {});
  child.kill();

  // ---- report
  const load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const lines = [];
  lines.push(`# permessage-deflate figures (issue 5)`, '');
  lines.push(`- Date: ${new Date().toISOString()}`);
  lines.push(`- Machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`);
  lines.push(`- Load average at the end (1/5/15 min): ${load} (the machine is shared; other processes may be running)`);
  lines.push(`- Load average at the start: ${startLoad}`);
  lines.push(`- Reproduce: \`npx tsc -p tsconfig.build.json && node bench/deflate/deflate-bench.mjs\` (options: --clients ${N} --messages ${M} --repeats ${REPEATS} --chat ${CHAT})`);
  lines.push(`- Server in a forked child process (its CPU from process.cpuUsage), ${N} ws clients in the parent; loopback; both on the same ${os.cpus().length} cores.`, '');
  lines.push(`## 1) Broadcast: shared compressor vs per-connection compression`, '');
  lines.push(`${N} clients in one room, ${M} broadcasts of ~4 KiB chat-like JSON (rooms.to(room).send('msg', payload)), ${N * M} deliveries per run; interleaved, ${REPEATS} repeats, medians.`, '');
  lines.push(`| gateway | negotiated (client view) | deliveries/s (median) | runs (deliveries/s) | time to last delivery (ms) | server CPU (ms, median) | runs (CPU ms) | server CPU per delivery (µs) | wire bytes received (MB) |`);
  lines.push(`|---|---|---:|---|---:|---:|---|---:|---:|`);
  for (const [name, label] of [['shared', '`/shared` perMessageDeflate: true'], ['perConnection', '`/per-connection` { serverNoContextTakeover: false }']]) {
    const s = summary[name];
    lines.push(`| ${label} | \`${extensionsSeen[name]}\` | ${Math.round(s.deliveriesPerS).toLocaleString('en-US')} | ${s.all} | ${s.ms.toFixed(0)} | ${s.cpuMs.toFixed(0)} | ${s.cpuAll} | ${((s.cpuMs * 1000) / (N * M)).toFixed(1)} | ${s.wireMB.toFixed(1)} |`);
  }
  const speedup = summary.shared.deliveriesPerS / summary.perConnection.deliveriesPerS;
  const cpuRatio = summary.perConnection.cpuMs / summary.shared.cpuMs;
  lines.push('', `Shared: ${speedup.toFixed(2)}× the deliveries/s of per-connection; per-connection uses ${cpuRatio.toFixed(2)}× the server CPU.`, '');
  lines.push(`## 2) Compression ratio on chat traffic`, '');
  lines.push(`${CHAT} envelopes \`{"event":"said","data":{"room":"lobby","from":"…","text":"…","at":"ISO"}}\`, texts 20–200 chars, sent one by one to one client; bytes counted on the client socket (ws._socket.bytesRead, frame headers included). JSON payload alone: ${rawPayload} bytes (${(rawPayload / CHAT).toFixed(1)} per message).`, '');
  lines.push(`| terms | negotiated | frames compressed | wire bytes | bytes/message | vs no deflate |`);
  lines.push(`|---|---|---:|---:|---:|---:|`);
  for (const row of ratioRows) lines.push(`| ${row.label} | \`${row.ext}\` | ${row.compressedFrames}/${CHAT} | ${row.bytes} | ${row.perMsg.toFixed(1)} | ${(row.vsPlain * 100).toFixed(1)} % |`);
  const md = lines.join('\n') + '\n';
  console.log('\n' + md);
  writeFileSync(path.join(here, 'RESULTS.md'), md);
}

const startLoad = os.loadavg().map((x) => x.toFixed(2)).join(', ');
if (process.argv.includes('--server')) server().catch((e) => { console.error(e); process.exit(1); });
else main().catch((e) => { console.error(e); process.exit(1); });
