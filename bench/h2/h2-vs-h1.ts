// Handshakes/s and echo over RFC 8441 vs HTTP/1.1, TLS both, against the sample as `HTTP2=1` runs it
// (a child process, so its CPU is its own): per server CPU-second, one sitting, A/B in turn.
// Run: node -r ./test/helpers/swc-register.cjs bench/h2/h2-vs-h1.ts [--handshakes 2000] [--messages 20000]
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { extendedConnect, opened, openSession } from '../../test/helpers/h2-peer';
import { startSample, stopSample } from '../../test/helpers/sample-instance';

const CONCURRENCY = 50;
const MESSAGE = Buffer.alloc(4 * 1024, 120);
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ

/** utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

/** A masked binary frame of MESSAGE (RFC 6455 §5.3: a zero mask key leaves the payload as is). */
const FRAME = Buffer.concat([Buffer.from([0x82, 0xfe, MESSAGE.length >> 8, MESSAGE.length & 0xff, 0, 0, 0, 0]), MESSAGE]);

// Every WebSocket stays open until the run ends: aborting each at once is the "rapid reset" pattern
// (CVE-2023-44487) that Node's HTTP/2 server answers with GOAWAY for the whole session.
async function h1Handshakes(port: number, count: number): Promise<void> {
  const sockets: WebSocket[] = [];
  const open = async (): Promise<void> => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/echo`, { rejectUnauthorized: false, perMessageDeflate: false });
    sockets.push(ws);
    await once(ws, 'open');
  };
  for (let done = 0; done < count; done += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - done) }, open));
  for (const ws of sockets) ws.terminate();
}

async function h2Handshakes(port: number, count: number): Promise<void> {
  const { session } = await openSession(port);
  const open = async (): Promise<void> => void (await opened(extendedConnect(session, '/echo')));
  for (let done = 0; done < count; done += CONCURRENCY) await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count - done) }, open));
  session.destroy();
}

/** `count` 4 KiB binary messages, 16 in flight, on one connection; resolves when every echo came back. */
async function echoRun(write: (frame: Buffer) => void, onBytes: (listener: (bytes: number) => void) => void, count: number): Promise<void> {
  const replyBytes = MESSAGE.length + 4;
  let sent = 0;
  let receivedBytes = 0;
  await new Promise<void>((resolve) => {
    onBytes((bytes) => {
      receivedBytes += bytes;
      while (sent < count && sent - Math.floor(receivedBytes / replyBytes) < 16) {
        write(FRAME);
        sent++;
      }
      if (receivedBytes >= count * replyBytes) resolve();
    });
    for (; sent < 16; sent++) write(FRAME);
  });
}

async function h1Echo(port: number, count: number): Promise<void> {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/echo`, { rejectUnauthorized: false, perMessageDeflate: false });
  await once(ws, 'open');
  await echoRun((frame) => ws.send(frame.subarray(8), { binary: true, mask: true }), (listener) => ws.on('message', (data: Buffer) => listener(data.length + 4)), count);
  ws.terminate();
}

async function h2Echo(port: number, count: number): Promise<void> {
  const { session } = await openSession(port);
  const stream = extendedConnect(session, '/echo');
  await opened(stream);
  await echoRun((frame) => stream.write(frame), (listener) => stream.on('data', (data: Buffer) => listener(data.length)), count);
  session.destroy();
}

async function measure(pid: number, run: () => Promise<void>): Promise<{ wallS: number; serverCpuS: number }> {
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  await run();
  return { wallS: (performance.now() - started) / 1000, serverCpuS: cpuSeconds(pid) - cpuBefore };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { handshakes: { type: 'string', default: '2000' }, messages: { type: 'string', default: '20000' } } });
  const handshakes = Number(values.handshakes);
  const messages = Number(values.messages);
  const sample = await startSample('h2-bench', { HTTP2: '1', NODE_ENV: 'production' });
  const pid = sample.child.pid ?? 0;
  try {
    await h1Handshakes(sample.port, 200); // warm-up: JIT and certificate caches on both paths
    await h2Handshakes(sample.port, 200);
    const rows: Array<[string, number, { wallS: number; serverCpuS: number }]> = [
      ['handshakes, HTTP/1.1 (TLS each)', handshakes, await measure(pid, () => h1Handshakes(sample.port, handshakes))],
      ['handshakes, HTTP/2 (one session)', handshakes, await measure(pid, () => h2Handshakes(sample.port, handshakes))],
      ['echo 4 KiB, HTTP/1.1', messages, await measure(pid, () => h1Echo(sample.port, messages))],
      ['echo 4 KiB, HTTP/2', messages, await measure(pid, () => h2Echo(sample.port, messages))],
    ];
    console.log(`load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
    console.log('| case | count | per second | per server CPU-second |');
    console.log('|---|---|---|---|');
    for (const [name, count, { wallS, serverCpuS }] of rows) {
      console.log(`| ${name} | ${count} | ${Math.round(count / wallS)} | ${Math.round(count / Math.max(serverCpuS, 0.01))} |`);
    }
  } finally {
    await stopSample(sample);
  }
}

void main();
