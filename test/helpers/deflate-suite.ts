// One deflate app (test/fixtures/deflate-app.ts) per spec file, and every raw client a test opens
// destroyed after it.
import { DeflateApp, startDeflateApp } from '../fixtures/deflate-app';
import { DeflateClient, DeflateConnectOptions } from './deflate-client';

export interface DeflateSuite {
  readonly app: DeflateApp;
  /** A raw client past a checked handshake, offering `options.extensions`. */
  connect(options: DeflateConnectOptions): Promise<DeflateClient>;
}

export const useDeflateApp = (): DeflateSuite => {
  let app: DeflateApp | undefined;
  const clients = new Set<DeflateClient>();

  beforeAll(async () => {
    app = await startDeflateApp();
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });
  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.destroy()));
    clients.clear();
  });

  const running = (): DeflateApp => {
    if (!app) throw new Error('the deflate app did not start');
    return app;
  };

  return {
    get app() {
      return running();
    },
    async connect(options) {
      const client = await DeflateClient.connect(running().port, options);
      clients.add(client);
      return client;
    },
  };
};
