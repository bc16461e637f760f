// Kernel memory of idle WebSocket connections, for docs/scaling.md's sizing: N clients (default
// 10,000) open a WebSocket to the sample's /echo and stay idle; the slab objects each TCP socket
// holds (/proc/slabinfo: sizes, and the caches' growth as a check) and the buffer memory of exactly
// those sockets (ss -m). Both ends are on this machine, so each connection is two sockets.
//
//   npx tsc -p bench/cross-node/tsconfig.json && node bench/.build/dist/bench/cross-node/kernel-socket-memory.js [--connections 10000]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startNodes } from './node-processes';
import { CROSS_NODE_TARGETS } from './cross-node-targets';

// The slab caches an idle TCP socket of a Node process takes objects from: the socket (TCPv6 on a
// server listening on '::', as Nest's app.listen(port) does), its inode, file and dentry, and its
// epoll registration.
const SOCKET_CACHES = ['TCP', 'TCPv6', 'sock_inode_cache', 'filp', 'dentry', 'eventpoll_epi'];
const CONNECT_BATCH = 200;
const SETTLE_MS = 2000;

interface Cache {
  activeObjects: number;
  objectBytes: number;
}

function slabCaches(): Map<string, Cache> {
  const caches = new Map<string, Cache>();
  for (const line of readFileSync('/proc/slabinfo', 'utf8').split('\n').slice(2)) {
    const [name, activeObjects, , objectBytes] = line.split(/\s+/);
    if (SOCKET_CACHES.includes(name)) caches.set(name, { activeObjects: Number(activeObjects), objectBytes: Number(objectBytes) });
  }
  return caches;
}

/** Buffer memory (skmem r + t + f + w: receive, send, forward-allocated, queued) of the TCP sockets with an end on `port`, and their count. */
function socketBuffers(port: number): { sockets: number; bytes: number } {
  const listing = execFileSync('ss', ['-tmnH', 'state', 'established', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let sockets = 0;
  let bytes = 0;
  for (const match of listing.matchAll(/skmem:\(r(\d+),rb\d+,t(\d+),tb\d+,f(\d+),w(\d+)/g)) {
    sockets++;
    bytes += Number(match[1]) + Number(match[2]) + Number(match[3]) + Number(match[4]);
  }
  return { sockets, bytes };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--connections');
  const connections = at >= 0 ? Number(process.argv[at + 1]) : 10_000;
  const target = CROSS_NODE_TARGETS.find(({ id }) => id === 'nest-rfc6455');
  if (!target) throw new Error('no nest-rfc6455 target');
  // One sample node, no broker: the env points nowhere it reads.
  const nodes = await startNodes({ ...target, env: (port) => ({ ...process.env, PORT: String(port) }) }, 1, { redisUrl: '', redisClusterUrls: '', natsUrl: '' });
  const sockets: WebSocket[] = [];
  try {
    const before = slabCaches();
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
    const after = slabCaches();
    const buffers = socketBuffers(nodes.ports[0]);
    console.log(`${connections} idle WebSocket connections to /echo: ${buffers.sockets} established TCP sockets with an end on its port (both ends on this machine)`);
    let slabBytes = 0;
    for (const [name, { activeObjects, objectBytes }] of after) {
      // The growth of each cache over the sockets opened (other processes on the machine open and close files too).
      const perSocket = (activeObjects - (before.get(name)?.activeObjects ?? 0)) / buffers.sockets;
      slabBytes += perSocket * objectBytes;
      console.log(`  ${name.padEnd(18)} ${String(objectBytes).padStart(5)} B per object, ${perSocket.toFixed(2)} objects per socket`);
    }
    console.log(`  slab per socket      ${slabBytes.toFixed(0)} B`);
    console.log(`  buffers per socket   ${(buffers.bytes / buffers.sockets).toFixed(0)} B (ss skmem r+t+f+w, averaged)`);
  } finally {
    for (const socket of sockets) socket.terminate();
    await nodes.stop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
