// One sample app per spec file, and every socket a test opens destroyed after it.
import { Socket } from 'node:net';
import { startEchoServer, EchoServer } from '../fixtures/echo-server';
import { ConnectOptions, RawClient } from './raw-client';
import { HttpExchange, HttpExchangeResult } from './raw-http';

export interface EchoSuite {
  readonly server: EchoServer;
  /** A RawClient on `ws /echo` (or `options.path`), past a checked handshake. */
  connect(options?: ConnectOptions): Promise<RawClient>;
  /** Sends raw request bytes on a fresh socket and reads the HTTP answer. */
  request(bytes: string | Buffer): Promise<HttpExchangeResult>;
}

/**
 * The conformance-h2 project (jest.config.js) sets this: the suites on the sample app then speak
 * RFC 8441, each client on its own HTTP/2 session to the sample as `HTTP2=1` runs it.
 */
const isSampleOverHttp2 = process.env.CONFORMANCE_OVER_HTTP2 === '1';

/** `start` picks the server: the sample app (default), or /echo on a gateway's own port (fixtures/own-port-echo-server.ts). */
export const useEchoServer = (start?: () => Promise<EchoServer>): EchoSuite => {
  const overHttp2 = start === undefined && isSampleOverHttp2;
  let server: EchoServer | undefined;
  const clients = new Set<RawClient>();
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    server = await (start ?? (() => startEchoServer({ overHttp2 })))();
  }, 30_000);
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.destroy()));
    for (const socket of sockets) socket.destroy();
    clients.clear();
    sockets.clear();
  });

  const running = (): EchoServer => {
    if (!server) throw new Error('the echo server did not start');
    return server;
  };

  return {
    get server() {
      return running();
    },
    async connect(options) {
      const client = await RawClient.connect(running().port, { overHttp2, ...options });
      clients.add(client);
      return client;
    },
    request(bytes) {
      const exchange = new HttpExchange(running().port, bytes);
      sockets.add(exchange.socket);
      return exchange.result;
    },
  };
};
