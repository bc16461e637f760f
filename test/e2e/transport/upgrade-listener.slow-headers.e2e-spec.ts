import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { useTransportHarness } from '../../helpers/transport-harness';

// Slow-loris before the upgrade event: the headers are Node's to read, so attaching bounds
// Node's header phase by the handshake timeout (408), on the application's own server too.
describe('UpgradeListener on a server it attaches to: slow request headers', () => {
  const harness = useTransportHarness();

  it('lowers the server\'s headersTimeout to the handshake timeout and never raises it', async () => {
    const slow = createServer();
    const strict = createServer();
    strict.headersTimeout = 200;
    await harness.start({ server: slow, routes: [{ path: '/ws' }], listener: { handshakeTimeoutMs: 700 } });
    await harness.start({ server: strict, routes: [{ path: '/ws' }], listener: { handshakeTimeoutMs: 700 } });

    expect(slow.headersTimeout).toBe(700);
    expect(strict.headersTimeout).toBe(200);
  });

  it('answers headers that never finish with 408 and closes, instead of holding the socket for Node\'s 60 s', async () => {
    const { port } = await harness.start({ server: createServer(), routes: [{ path: '/ws' }], listener: { handshakeTimeoutMs: 500 } });
    const socket = connect({ port, host: '127.0.0.1' });
    await once(socket, 'connect');
    socket.write('GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n'); // and nothing more

    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'close');

    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^HTTP\/1\.1 408 /);
  }, 10_000);
});
