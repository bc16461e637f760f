// The history app of test/fixtures/history on a free loopback port, for the one-node suites, and
// suites defined once for both backends (memory, Redis Streams).
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import { HistoryAppModule, HistoryAppOptions } from '../../fixtures/history/history-app';
import { RedisServer } from '../../helpers/redis-server';
import { ResumingClient } from './resuming-client';

export interface HistoryAppServer {
  app: INestApplication;
  port: number;
  /** `ws://…/history` */
  url: string;
  /** Publishes `msg {n}` for n in [from, from + count) through `POST /history/publish`; resolves once all are retained. */
  publish(room: string, from: number, count: number): Promise<{ ms: number }>;
}

export async function startHistoryApp(options: HistoryAppOptions): Promise<HistoryAppServer> {
  const moduleRef = await Test.createTestingModule({ imports: [HistoryAppModule.with(options)] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const publish = async (room: string, from: number, count: number): Promise<{ ms: number }> => {
    const response = await fetch(`http://127.0.0.1:${port}/history/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room, from, count }),
    });
    if (!response.ok) throw new Error(`publish: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { ms: number };
  };
  return { app, port, url: `ws://127.0.0.1:${port}/history`, publish };
}

export interface HistoryBackendSuite {
  /** The app of the current backend (started before the suite's tests). */
  readonly server: HistoryAppServer;
  /** A ResumingClient of `ws /history` (its `$session` received), closed after the test. */
  connect(): Promise<ResumingClient>;
}

const WAIT_MS = 10_000;

/** Polls (10 ms) until the condition holds; bounded, for server-side state a test cannot await. */
export async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let suites = 0;

/** Defines the suite twice, in memory and on Redis Streams (a redis-server of its own), each on an app of its own. */
export function describeOnEachBackend(title: string, define: (suite: HistoryBackendSuite) => void): void {
  let redis: RedisServer | undefined;
  const keyPrefix = `suite-${Date.now()}-${++suites}:`;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  describe.each([
    ['in memory', (): HistoryAppOptions => ({})],
    ['on Redis Streams', (): HistoryAppOptions => ({ redisUrl: redis?.url, keyPrefix })],
  ])(`${title}, %s`, (_name, options) => {
    let server: HistoryAppServer | undefined;
    const clients: ResumingClient[] = [];
    beforeAll(async () => {
      server = await startHistoryApp(options());
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.close();
    });
    afterAll(async () => {
      await server?.app.close();
    });
    define({
      get server(): HistoryAppServer {
        if (!server) throw new Error('the history app did not start');
        return server;
      },
      async connect() {
        const client = await ResumingClient.connect(this.server.url);
        clients.push(client);
        return client;
      },
    });
  });
}
