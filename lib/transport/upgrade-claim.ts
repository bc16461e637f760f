import { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { WebServer } from './web-server';

type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Node hands each upgrade to every 'upgrade' listener, and the usual neighbours end those that are
 * not theirs: @nestjs/platform-ws 12.1's adapter destroys the socket, a `ws` 8 server made with
 * `{ server, path }` answers 400, the `noServer` recipe of ws's README destroys it. An upgrade we
 * serve must therefore reach no other listener, whenever that one was added (before or after us):
 * this looks at each 'upgrade' as the server emits it and gives ours to `handle` alone; every other
 * event is emitted as before, to every listener. Node's http server emits 'upgrade' through
 * `server.emit` (checked against Node 20 and 22). Returns what undoes it.
 */
export function claimUpgrades(server: WebServer, isOurs: (request: IncomingMessage) => boolean, handle: UpgradeHandler): () => void {
  const hadOwnEmit = Object.prototype.hasOwnProperty.call(server, 'emit');
  const emit = server.emit;
  let isClaiming = true;
  function claimingEmit(this: WebServer, event: string | symbol, request?: unknown, socket?: unknown, head?: unknown): boolean {
    if (event === 'upgrade' && isClaiming && isOurs(request as IncomingMessage)) {
      handle(request as IncomingMessage, socket as Duplex, head as Buffer);
      return true;
    }
    // `arguments` as it came: no array per event (every HTTP request is one).
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(emit, this, arguments) as boolean;
  }
  server.emit = claimingEmit;
  return () => {
    isClaiming = false;
    // A library that wrapped emit after us still calls ours, which now passes everything on.
    if (server.emit !== claimingEmit) return;
    if (hadOwnEmit) server.emit = emit;
    else delete (server as { emit?: unknown }).emit;
  };
}
