import { EventEmitter } from 'node:events';
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
  return claimEvent(server, 'upgrade', isOurs, handle);
}

/**
 * Gives the `event`s that `isOurs` picks to `handle` alone, whenever the emitter's other listeners
 * were added; every other event reaches them all as before (what claimUpgrades does for 'upgrade',
 * and the HTTP/2 entry for 'stream'). Returns what undoes it.
 */
export function claimEvent<A, B, C, D>(
  emitter: EventEmitter,
  event: string,
  isOurs: (a: A, b: B, c: C, d: D) => boolean,
  handle: (a: A, b: B, c: C, d: D) => void,
): () => void {
  const hadOwnEmit = Object.prototype.hasOwnProperty.call(emitter, 'emit');
  const emit = emitter.emit;
  let isClaiming = true;
  function claimingEmit(this: EventEmitter, name: string | symbol, a?: unknown, b?: unknown, c?: unknown, d?: unknown): boolean {
    if (name === event && isClaiming && isOurs(a as A, b as B, c as C, d as D)) {
      handle(a as A, b as B, c as C, d as D);
      return true;
    }
    // `arguments` as it came: no array per event (every HTTP request is one).
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(emit, this, arguments) as boolean;
  }
  emitter.emit = claimingEmit;
  return () => {
    isClaiming = false;
    // A library that wrapped emit after us still calls ours, which now passes everything on.
    if (emitter.emit !== claimingEmit) return;
    if (hadOwnEmit) emitter.emit = emit;
    else delete (emitter as { emit?: unknown }).emit;
  };
}
