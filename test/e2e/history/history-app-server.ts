// The history app of test/fixtures/history on a free loopback port, for the one-node suites.
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import { HistoryAppModule, HistoryAppOptions } from '../../fixtures/history/history-app';

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
