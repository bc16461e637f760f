import { SECURITY_PATHS } from '../fixtures/security/security-gateways';
import { AttackSocket } from '../helpers/attack-socket';
import { EnvelopeMember } from '../helpers/envelope-member';
import { recordFigures } from '../helpers/attack-run';
import { probe } from '../helpers/fresh-client';
import { OP, closePayload, encodeFrame } from '../helpers/raw-frames';
import { SecurityServer, startSecurityServer } from '../helpers/security-server';

// Graceful shutdown (docs/security.md): app.close() stops accepting upgrades (503), lets running
// handlers send their replies, then closes every connection with 1001 and waits for the close
// handshakes. The server is a child process, so its exit is part of what is checked.

jest.setTimeout(60_000);

const IN_FLIGHT_MS = 1000;

describe('graceful shutdown of the security app in a child process', () => {
  let server: SecurityServer;

  beforeAll(async () => {
    server = await startSecurityServer('attack');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses new upgrades with 503, delivers an in-flight reply, then closes every connection with 1001 and exits', async () => {
    const busy = await EnvelopeMember.open(server.port, SECURITY_PATHS.events);
    const idle = await EnvelopeMember.open(server.port, SECURITY_PATHS.events);
    const raw = await AttackSocket.open(server.port, { path: SECURITY_PATHS.echo });
    await busy.send({ event: 'slow', data: { ms: IN_FLIGHT_MS, data: 'finished' }, id: 1 });
    // Replies come in order of dispatch: once this one is back, the slow handler is running.
    await busy.request('echo', 'dispatched');
    const started = Date.now();

    await server.beginClose();
    const during = await probe(server.port, { path: SECURITY_PATHS.echo, deadlineMs: 3000 });
    const rawClose = await raw.reader.closeCode(IN_FLIGHT_MS + 5000);
    await raw.write(encodeFrame({ opcode: OP.close, payload: closePayload(1001) }));
    await Promise.all([busy.closed(IN_FLIGHT_MS + 5000), idle.closed(IN_FLIGHT_MS + 5000), raw.reader.tcpClosed()]);
    await server.exited;
    const exitedAfterMs = Date.now() - started;

    expect(during.status).toBe(503);
    expect(busy.log).toEqual(['reply 1000000', 'reply 1', 'close 1001']);
    expect([idle.closeCode, rawClose]).toEqual([1001, 1001]);
    expect(exitedAfterMs).toBeLessThan(IN_FLIGHT_MS + 5000);
    recordFigures({
      attack: 'graceful shutdown',
      answer: `a new upgrade during shutdown gets 503; the in-flight reply is delivered, then 1001 to all; the process exited ${exitedAfterMs} ms after app.close()`,
      freshClientMs: { during: [during.latencyMs] },
    });
    for (const client of [busy, idle]) client.destroy();
    raw.destroy();
  });
});
