import { once } from 'node:events';
import { createServer, get, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as SocketIoServer } from 'socket.io';
import { UpgradeListener } from '../../../lib/transport/upgrade-listener';
import { route } from '../../helpers/transport-harness';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** What engine.io's attach() does: keep the 'request' listeners it finds and call them itself for paths not its own. */
function wrapRequestListeners(server: Server): void {
  const kept = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.url === '/wrapper') return void response.end('wrapper');
    for (const listener of kept) listener.call(server, request, response);
  });
}

const LIBRARIES: Array<[string, (server: Server) => () => void]> = [
  ['socket.io', (server) => {
    const io = new SocketIoServer(server);
    return () => void io.close();
  }],
  ['a wrapper like engine.io', (server) => {
    wrapRequestListeners(server);
    return () => undefined;
  }],
];

describe("UpgradeListener: another library wraps the server's 'request' listeners", () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(library: (server: Server) => () => void, order: 'before' | 'after'): Promise<{ port: number; listener: UpgradeListener; reached: string[] }> {
    const reached: string[] = [];
    const server = createServer((request, response) => {
      reached.push(request.url ?? '');
      response.end('app');
    });
    const listener = new UpgradeListener({ handshakeTimeoutMs: 2_000, onUnexpectedError: (error) => reached.push(`unexpected ${String(error)}`) });
    listener.addRoute(route({ path: '/ws' }));
    if (order === 'before') cleanups.push(library(server));
    listener.attach(server);
    if (order === 'after') cleanups.push(library(server));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((resolve) => server.close(resolve)), () => server.closeAllConnections(), () => listener.close());
    return { port: (server.address() as { port: number }).port, listener, reached };
  }

  const statusOf = (port: number, path: string, headers: Record<string, string> = {}): Promise<number | undefined> =>
    new Promise((resolve, reject) => {
      get({ port, host: '127.0.0.1', path, headers, agent: false }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      }).on('error', reject);
    });

  describe.each(LIBRARIES)('%s', (_name, library) => {
    it.each(['before', 'after'] as const)('attached %s us: each request reaches the app once, before and after our listener closes', async (order) => {
      const { port, listener, reached } = await start(library, order);
      const errors: unknown[] = [];
      const onUncaught = (error: unknown): number => errors.push(error);
      process.on('uncaughtException', onUncaught);
      cleanups.push(() => process.off('uncaughtException', onUncaught));

      const whileAttached = [await statusOf(port, '/health'), await statusOf(port, '/ws', { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' })];
      await listener.close();
      const afterClose = [await statusOf(port, '/health'), await statusOf(port, '/ws', { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' })];

      expect({ whileAttached, afterClose }).toEqual({ whileAttached: [200, 400], afterClose: [200, 200] });
      expect(reached).toEqual(['/health', '/health', '/ws']);
      expect(errors).toEqual([]);
    });
  });
});
