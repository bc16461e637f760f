import { createServer, IncomingMessage, Server } from 'node:http';
import { Duplex } from 'node:stream';
import { claimUpgrades } from '../../../lib/transport/upgrade-claim';

describe('claimUpgrades', () => {
  const requestFor = (url: string): IncomingMessage => ({ url }) as IncomingMessage;
  const socket = {} as Duplex;
  const head = Buffer.alloc(0);

  /** A server with one other 'upgrade' listener, and what each side saw. */
  const setUp = (): { server: Server; theirs: string[]; ours: string[]; release: () => void } => {
    const server = createServer();
    const theirs: string[] = [];
    const ours: string[] = [];
    server.on('upgrade', (request: IncomingMessage) => theirs.push(request.url ?? ''));
    const release = claimUpgrades(server, (request) => request.url === '/ours', (request) => ours.push(request.url ?? ''));
    return { server, theirs, ours, release };
  };

  it('gives an upgrade of ours to the handler alone, and every other one to the listeners', () => {
    const { server, theirs, ours } = setUp();
    const lateListener: string[] = [];
    server.on('upgrade', (request: IncomingMessage) => lateListener.push(request.url ?? ''));

    expect(server.emit('upgrade', requestFor('/ours'), socket, head)).toBe(true);
    server.emit('upgrade', requestFor('/theirs'), socket, head);

    expect(ours).toEqual(['/ours']);
    expect(theirs).toEqual(['/theirs']);
    expect(lateListener).toEqual(['/theirs']);
  });

  it('passes other events on with all their arguments', () => {
    const { server } = setUp();
    const seen: unknown[][] = [];
    server.on('request', (...args: unknown[]) => seen.push(args));

    server.emit('request', 'a', 'b');

    expect(seen).toEqual([['a', 'b']]);
  });

  it("gives the server its own emit back on release, and ours then reach the listeners", () => {
    const { server, theirs, ours, release } = setUp();
    release();

    expect(Object.prototype.hasOwnProperty.call(server, 'emit')).toBe(false);
    server.emit('upgrade', requestFor('/ours'), socket, head);
    expect(ours).toEqual([]);
    expect(theirs).toEqual(['/ours']);
  });

  it('leaves a wrapper added after it in place on release, and stops claiming under it', () => {
    const { server, theirs, ours, release } = setUp();
    const claiming = server.emit;
    const wrapped: string[] = [];
    server.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
      wrapped.push(String(event));
      return Reflect.apply(claiming, this, [event, ...args]) as boolean;
    };
    const wrapper = server.emit;
    release();

    expect(server.emit).toBe(wrapper);
    server.emit('upgrade', requestFor('/ours'), socket, head);
    expect(wrapped).toEqual(['upgrade']);
    expect(ours).toEqual([]);
    expect(theirs).toEqual(['/ours']);
  });
});
