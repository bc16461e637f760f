// One sample app per spec file, and every client a test opens closed after it.
import request from 'supertest';
import { SampleApp, startSampleApp } from '../fixtures/sample-app';
import { EnvelopeClient } from './envelope-client';

export interface SampleStats {
  connections: number;
  byGateway: Record<string, number>;
  rooms: number;
  /** Across every node (one node without REDIS_URL). */
  total: number;
  nodes: { connections: number }[];
  adapter: { isConnected: boolean; undelivered: number; outages: number };
}

export interface SampleSuite {
  readonly app: SampleApp;
  /** An EnvelopeClient on `ws <path>`, closed after the test. */
  connect(path: string): Promise<EnvelopeClient>;
  /** A client on `ws /chat` that has joined `room` as `name` (its `$session`, `joined` and reply taken). */
  joinChat(room: string, name: string): Promise<EnvelopeClient>;
  /** `GET /stats`, checked to be a 200 with JSON. */
  stats(): Promise<SampleStats>;
}

/** What a push from a chat room carries besides `{event, data}`: every chat room keeps history (its library room is `chat:<room>`). */
export const retainedIn = (room: string): { room: string; offset: number; epoch: string } => ({
  room: `chat:${room}`,
  offset: expect.any(Number) as number,
  epoch: expect.any(String) as string,
});

export const useSampleApp = (): SampleSuite => {
  let app: SampleApp | undefined;
  const clients = new Set<EnvelopeClient>();

  beforeAll(async () => {
    app = await startSampleApp();
  }, 30_000);
  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()));
    clients.clear();
  });
  afterAll(async () => {
    await app?.close();
  });

  const suite: SampleSuite = {
    get app(): SampleApp {
      if (!app) throw new Error('the sample app is not started: use the suite inside a test');
      return app;
    },
    async connect(path) {
      const client = await EnvelopeClient.connect(suite.app.wsUrl + path);
      clients.add(client);
      return client;
    },
    async joinChat(room, name) {
      const client = await suite.connect('/chat');
      await client.next('$session');
      const reply = await client.request('join', { room, name });
      expect(reply).toMatchObject({ event: 'join', data: { room } });
      await client.next((envelope) => envelope.event === 'joined' && (envelope.data as { name?: string }).name === name);
      return client;
    },
    async stats() {
      const response = await request(suite.app.server).get('/stats').expect(200).expect('Content-Type', /application\/json/);
      return response.body as SampleStats;
    },
  };
  return suite;
};
