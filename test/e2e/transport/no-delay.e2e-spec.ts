import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Socket } from 'node:net';
import { generate } from 'selfsigned';
import { Connection } from '../../../lib/transport/connection';
import { HandshakeRequest } from '../../../lib/transport/handshake-channel';
import { UpgradeListener, WebServer } from '../../../lib/transport/upgrade-listener';
import { route, useTransportHarness } from '../../helpers/transport-harness';

/**
 * Whether Nagle's algorithm is off on a socket (TCP_NODELAY), as Node records it when it sets the
 * option (net.Socket's kSetNoDelay). Node offers no getsockopt; a Node without the field fails here.
 */
function hasNoDelay(socket: Socket): boolean {
  const field = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'kSetNoDelay');
  if (field === undefined) throw new Error(`this Node (${process.version}) no longer records TCP_NODELAY on net.Socket`);
  return (socket as unknown as Record<symbol, boolean>)[field];
}

// Issue 17: with Nagle on, a small reply written while an earlier one is unacknowledged waits for the
// peer's ACK, which a client's delayed ACK holds up to 40 ms. Every upgraded socket turns it off, also
// on a server made with `noDelay: false` and over TLS (the option reaches the TCP socket under it).
describe('UpgradeListener: Nagle is off on every upgraded socket', () => {
  const harness = useTransportHarness();

  /** The handshake request's socket of the first upgrade on `/ws`, with a message echoed over it. */
  async function upgradedSocket(url: string, onAccepted: Promise<HandshakeRequest>): Promise<Socket> {
    const client = await harness.ws(url, undefined, { rejectUnauthorized: false });
    const request = await onAccepted;
    client.send('after the upgrade');
    await new Promise((resolve) => client.once('message', resolve));
    return request.socket as Socket;
  }

  /** An echo on `/ws` of `server`, and its first upgrade's request. */
  async function echoOn(server: WebServer): Promise<{ port: number; onAccepted: Promise<HandshakeRequest> }> {
    let accepted!: (request: HandshakeRequest) => void;
    const onAccepted = new Promise<HandshakeRequest>((resolve) => (accepted = resolve));
    const onConnection = (connection: Connection, request: HandshakeRequest): void => {
      accepted(request);
      connection.on('message', (data) => connection.send(data));
    };
    const { port } = await harness.start({ server, routes: [{ path: '/ws', onConnection }] });
    return { port, onAccepted };
  }

  it('on the application\'s HTTP server, even one made with noDelay: false', async () => {
    const { port, onAccepted } = await echoOn(createHttpServer({ noDelay: false }));

    expect(hasNoDelay(await upgradedSocket(`ws://127.0.0.1:${port}/ws`, onAccepted))).toBe(true);
  });

  it('on an https server made with noDelay: false (wss)', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
    const { port, onAccepted } = await echoOn(createHttpsServer({ key: pems.private, cert: pems.cert, noDelay: false }));

    expect(hasNoDelay(await upgradedSocket(`wss://127.0.0.1:${port}/ws`, onAccepted))).toBe(true);
  }, 20_000);

  it('on a gateway\'s own port (no node:http)', async () => {
    const unexpectedErrors: unknown[] = [];
    const listener = harness.track(new UpgradeListener({ handshakeTimeoutMs: 2_000, onUnexpectedError: (error) => unexpectedErrors.push(error) }));
    let accepted!: (request: HandshakeRequest) => void;
    const onAccepted = new Promise<HandshakeRequest>((resolve) => (accepted = resolve));
    listener.addRoute(
      route({ path: '/ws' }, (connection: Connection, request: HandshakeRequest) => {
        accepted(request);
        connection.on('message', (data) => connection.send(data));
      }),
    );
    const { port } = await listener.listen(0, '127.0.0.1');

    expect(hasNoDelay(await upgradedSocket(`ws://127.0.0.1:${port}/ws`, onAccepted))).toBe(true);
    expect(unexpectedErrors).toEqual([]);
  });
});
