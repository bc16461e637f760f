import { once } from 'node:events';
import { createConnection, NetConnectOpts, Socket } from 'node:net';
import WebSocket, { PerMessageDeflateOptions } from 'ws';
import { DEFLATE_PATHS } from '../fixtures/deflate-app';
import type { MemoryReport } from '../fixtures/deflate-server';
import { ChildServer, startChildServer } from '../helpers/child-server';
import { chatEnvelope, chatText, seededRandom } from '../helpers/deflate-payloads';

// The server's memory per permessage-deflate connection, idle and after one message, over 1,000
// connections of the `ws` client to the deflate app in its own process. The figures are logged
// for the closing note; the assertions are only loose sanity bounds.

const KiB = 1024;
const CONNECTIONS = 1000;
const BATCH = 100;
const MESSAGE_BYTES = 4 * KiB;

jest.setTimeout(120_000);

const kib = (bytes: number): string => `${(bytes / KiB).toFixed(1)} KiB`;

interface Client {
  ws: WebSocket;
  socket: Socket;
}

const open = async (url: string, perMessageDeflate: false | PerMessageDeflateOptions): Promise<Client> => {
  let socket: Socket | undefined;
  const ws = new WebSocket(url, {
    perMessageDeflate,
    createConnection: ((options: NetConnectOpts) => (socket = createConnection(options))) as typeof createConnection,
  });
  await once(ws, 'open');
  if (!socket) throw new Error('ws did not use the connection it was given');
  return { ws, socket };
};

const closeAll = async (clients: Client[]): Promise<void> => {
  await Promise.all(
    clients.map(async ({ ws }) => {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = once(ws, 'close');
      ws.close();
      await closed;
    }),
  );
};

/** Sends `data` and resolves with the echo. */
const echo = async (ws: WebSocket, data: string): Promise<string> => {
  const reply = once(ws, 'message') as Promise<[Buffer, boolean]>;
  ws.send(data);
  const [bytes] = await reply;
  return bytes.toString('utf8');
};

describe('memory per permessage-deflate connection, 1,000 ws clients against the deflate app in a child process', () => {
  let server: ChildServer;
  const figures: string[] = [];

  // A fresh server per test: what one gateway's connections cost is not blurred by memory that
  // another gateway's connections freed and malloc kept.
  beforeEach(async () => {
    server = await startChildServer();
    // Load every code path once, so the baseline is not charged to the first connections.
    for (const path of [DEFLATE_PATHS.defaults, DEFLATE_PATHS.takeover, DEFLATE_PATHS.plain]) {
      const client = await open(server.wsUrl(path), path === DEFLATE_PATHS.plain ? false : { threshold: 0 });
      expect(await echo(client.ws, chatText(MESSAGE_BYTES))).toBe(chatText(MESSAGE_BYTES));
      await closeAll([client]);
    }
  }, 60_000);
  afterEach(async () => {
    await server?.stop();
  });
  afterAll(() => {
    console.log(figures.join('\n'));
  });

  /** Opens CONNECTIONS clients, has each send one 4 KiB chat-like message, and reports the server's RSS at each step. */
  const round = async (path: string, perMessageDeflate: false | PerMessageDeflateOptions, label: string): Promise<{ idle: number; active: number; closed: number }> => {
    const base = await server.memory();
    const clients: Client[] = [];
    try {
      for (let i = 0; i < CONNECTIONS; i += BATCH) {
        clients.push(...(await Promise.all(Array.from({ length: BATCH }, () => open(server.wsUrl(path), perMessageDeflate)))));
      }
      const idle = await server.memory();
      for (let i = 0; i < CONNECTIONS; i += BATCH) {
        await Promise.all(
          clients.slice(i, i + BATCH).map(async ({ ws }, j) => {
            const message = chatText(MESSAGE_BYTES, i + j);
            expect(await echo(ws, message)).toBe(message);
          }),
        );
      }
      const active = await server.memory();
      await closeAll(clients);
      const closed = await server.memory();
      const perConnection = (report: MemoryReport): number => (report.rss - base.rss) / CONNECTIONS;
      figures.push(
        `${path} (${perMessageDeflate === false ? 'no deflate' : 'deflate'}, ${label}): RSS ${kib(base.rss)} base; ` +
          `${kib(perConnection(idle))} per idle connection, ${kib(perConnection(active))} per connection after one 4 KiB message, ` +
          `${kib(closed.rss - base.rss)} kept after all ${CONNECTIONS} closed`,
      );
      return { idle: perConnection(idle), active: perConnection(active), closed: closed.rss - base.rss };
    } finally {
      await closeAll(clients);
    }
  };

  /**
   * Two rounds: the first also pays for what glibc's malloc keeps once it has grown (arenas of
   * the threads zlib runs on, a raised mmap threshold); the second shows the steady cost.
   */
  const measure = async (path: string, perMessageDeflate: false | PerMessageDeflateOptions): Promise<{ idle: number; active: number; closed: number }> => {
    await round(path, perMessageDeflate, 'first round');
    return round(path, perMessageDeflate, 'second round');
  };

  it('costs less than 200 KiB per idle connection without deflate (the baseline)', async () => {
    const { idle, active } = await measure(DEFLATE_PATHS.plain, false);

    expect(idle).toBeLessThan(200 * KiB);
    expect(active).toBeLessThan(200 * KiB);
  });

  it('costs less than 200 KiB per idle or active connection with the defaults (no context takeover)', async () => {
    const { idle, active } = await measure(DEFLATE_PATHS.defaults, { threshold: 0 });

    expect(idle).toBeLessThan(200 * KiB);
    expect(active).toBeLessThan(200 * KiB);
  });

  it('keeps zlib contexts alive per connection with context takeover, at less than 1 MiB per active connection', async () => {
    const { idle, active } = await measure(DEFLATE_PATHS.takeover, { threshold: 0 });

    expect(idle).toBeLessThan(200 * KiB);
    expect(active).toBeLessThan(1024 * KiB);
  });

  it('shrinks chat-like JSON on the wire: 4 KiB batches always, single envelopes only with context takeover', async () => {
    const random = seededRandom(42);
    const envelopes = Array.from({ length: 300 }, (_, i) => chatEnvelope(random, i));
    const envelopeBytes = envelopes.reduce((sum, envelope) => sum + Buffer.byteLength(envelope), 0);
    const ratios: Record<string, number> = {};

    for (const [label, path] of [
      ['no context takeover', DEFLATE_PATHS.defaults],
      ['context takeover', DEFLATE_PATHS.takeover],
    ] as const) {
      const client = await open(server.wsUrl(path), { threshold: 0 });
      try {
        // Client → server: the ws client compresses every envelope (threshold 0).
        const written = client.socket.bytesWritten;
        for (const envelope of envelopes) expect(await echo(client.ws, envelope)).toBe(envelope);
        ratios[`${label}, one ${Math.round(envelopeBytes / envelopes.length)} B envelope per message (client → server)`] = envelopeBytes / (client.socket.bytesWritten - written);
        // Server → client: a 4 KiB batch of envelopes per message, over the 1 KiB threshold.
        const read = client.socket.bytesRead;
        const batches = Array.from({ length: 20 }, (_, i) => chatText(MESSAGE_BYTES, 100 + i));
        for (const batch of batches) expect(await echo(client.ws, batch)).toBe(batch);
        ratios[`${label}, 4 KiB of envelopes per message (server → client)`] = (batches.length * MESSAGE_BYTES) / (client.socket.bytesRead - read);
      } finally {
        await closeAll([client]);
      }
    }

    for (const [what, ratio] of Object.entries(ratios)) figures.push(`chat-like JSON, ${what}: ${ratio.toFixed(2)}:1 (frame headers included)`);
    const entries = Object.entries(ratios);
    expect(entries.filter(([what]) => what.includes('4 KiB')).every(([, ratio]) => ratio > 2)).toBe(true);
    expect(entries.find(([what]) => what.startsWith('context takeover, one'))?.[1]).toBeGreaterThan(2);
  });
});
