// Kernel memory of idle WebSocket connections, for docs/scaling.md's sizing: N clients (default
// 10,000) open a WebSocket to the sample's /echo and stay idle; the slab caches that grow per TCP
// socket (/proc/slabinfo) and the socket buffer pages (/proc/net/sockstat) are read before and after.
// Both ends are on this machine, so each connection is two sockets; the figures are per socket.
//
//   npx tsc -p bench/cross-node/tsconfig.json && node bench/.build/dist/bench/cross-node/kernel-socket-memory.js [--connections 10000]
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startNodes } from './node-processes';
import { CROSS_NODE_TARGETS } from './cross-node-targets';

// The caches a TCP socket, its file and its epoll registration take objects from.
const SOCKET_CACHES = ['TCP', 'sock_inode_cache', 'filp', 'dentry', 'eventpoll_epi', 'eventpoll_pwq', 'skbuff_head_cache', 'kmalloc-rcl-64'];
const PAGE_BYTES = 4096;
const CONNECT_BATCH = 200;
const SETTLE_MS = 2000;

interface Snapshot {
  /** Bytes held by the objects of each cache. */
  caches: Map<string, number>;
  /** TCP socket buffer pages, as bytes. */
  bufferBytes: number;
  tcpInUse: number;
}

function snapshot(): Snapshot {
  const caches = new Map<string, number>();
  for (const line of readFileSync('/proc/slabinfo', 'utf8').split('\n').slice(2)) {
    const [name, activeObjects, , objectSize] = line.split(/\s+/);
    if (SOCKET_CACHES.includes(name)) caches.set(name, Number(activeObjects) * Number(objectSize));
  }
  const tcp = /TCP: inuse (\d+) .* mem (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return { caches, bufferBytes: Number(tcp?.[2] ?? 0) * PAGE_BYTES, tcpInUse: Number(tcp?.[1] ?? 0) };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--connections');
  const connections = at >= 0 ? Number(process.argv[at + 1]) : 10_000;
  const target = CROSS_NODE_TARGETS.find(({ id }) => id === 'nest-rfc6455');
  if (!target) throw new Error('no nest-rfc6455 target');
  // One sample node, no broker: the env points nowhere it reads.
  const nodes = await startNodes({ ...target, env: (port) => ({ ...process.env, PORT: String(port) }) }, 1, { redisUrl: '', natsUrl: '' });
  const sockets: WebSocket[] = [];
  try {
    const before = snapshot();
    for (let start = 0; start < connections; start += CONNECT_BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, connections - start) }, async () => {
          const socket = new WebSocket(`ws://127.0.0.1:${nodes.ports[0]}/echo`);
          sockets.push(socket);
          await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const after = snapshot();
    const socketCount = after.tcpInUse - before.tcpInUse;
    const rows = [...after.caches].map(([name, bytes]) => ({ name, perSocket: (bytes - (before.caches.get(name) ?? 0)) / socketCount }));
    const slabPerSocket = rows.reduce((sum, { perSocket }) => sum + Math.max(0, perSocket), 0);
    const buffersPerSocket = (after.bufferBytes - before.bufferBytes) / socketCount;
    console.log(`${connections} idle WebSocket connections, ${socketCount} more TCP sockets in use (both ends on this machine)`);
    for (const { name, perSocket } of rows) console.log(`  ${name.padEnd(20)} ${perSocket.toFixed(0).padStart(6)} B per socket`);
    console.log(`  slab total           ${slabPerSocket.toFixed(0).padStart(6)} B per socket`);
    console.log(`  socket buffers       ${buffersPerSocket.toFixed(0).padStart(6)} B per socket (sockstat mem)`);
  } finally {
    for (const socket of sockets) socket.terminate();
    await nodes.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
