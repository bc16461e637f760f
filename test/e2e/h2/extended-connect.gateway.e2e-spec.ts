// RFC 8441 at the gateway: 50 WebSockets on one HTTP/2 connection (Fastify, h2c), half of them still
// in an async handleConnection, when the peer's whole session goes: each connection gets exactly one
// handleDisconnect with 1006, and the gateway holds none of them afterwards.
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { constants } from 'node:http2';
import { LifecycleModule, LifecycleProbe } from '../../fixtures/gateways/lifecycle.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { extendedConnect, opened, openSession } from '../../helpers/h2-peer';

const STREAMS = 50;

describe('gateway over HTTP/2: the peer\'s session ends with 50 WebSockets open', () => {
  let started: StartedApp<NestFastifyApplication> | undefined;

  afterEach(async () => {
    await started?.app.close();
    started = undefined;
  });

  it.each([
    ['destroyed (TCP gone)', 'destroy'],
    ['GOAWAY then every stream reset', 'goaway'],
  ] as const)('session %s: one handleDisconnect 1006 per connection', async (_case, how) => {
    started = await startApp<NestFastifyApplication>(LifecycleModule, { adapter: new FastifyAdapter({ http2: true } as never) });
    const probe = started.app.get(LifecycleProbe);
    let allGone!: () => void;
    const gone = new Promise<void>((resolve) => (allGone = resolve));
    const push = probe.disconnects.push.bind(probe.disconnects);
    probe.disconnects.push = (...items) => {
      const length = push(...items);
      if (length >= STREAMS) allGone();
      return length;
    };
    const { session } = await openSession(started.port, 'http');
    const streams = Array.from({ length: STREAMS }, (_, i) => extendedConnect(session, `/lifecycle?user=u${i}`));
    await Promise.all(streams.map(opened));

    if (how === 'destroy') session.destroy();
    else {
      session.close();
      for (const stream of streams) stream.close(constants.NGHTTP2_CANCEL);
    }
    await gone;

    const ids = probe.disconnects.map((disconnect) => disconnect.id);
    expect(new Set(ids).size).toBe(STREAMS);
    expect(ids).toHaveLength(STREAMS);
    expect(probe.disconnects.every(({ close }) => close.code === 1006 && !close.wasClean)).toBe(true);
    expect(probe.connections).toHaveLength(STREAMS);
  });
});
