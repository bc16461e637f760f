import { Socket } from 'node:net';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { clientTextFrame, DEFLATE_MODES, DeflateMode, ServerMessageReader } from '../../helpers/deflate-peer';
import { installLiveTimers, LiveTimers } from '../../helpers/live-timers';
import { collectMessages, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';
import { randomBytes } from 'node:crypto';

/**
 * The close-path sweep: every way a connection ends × deflate off/on (with and without context
 * takeover) × 0, 1 or 40 messages in flight each way. In every cell the messages accepted before
 * the close reach the application in order, the peer gets the server's messages in order, the
 * close reports the documented code, and nothing is left paused, listened to or timed.
 */

/** Large enough to be compressed (the default threshold is 1 KiB), different in each message. */
const textOf = (from: string, index: number): string => `${from} ${index} `.padEnd(2048, from === 'client' ? 'c' : 's');
const MESSAGE_COUNTS = [0, 1, 40];
/** Generous: a stalled close shows as wasClean false, never as a flake under load. */
const CLOSE_TIMEOUT_MS = 5_000;

interface Ending {
  name: string;
  /** What 'close' reports. */
  expected: CloseEvent;
  /** Which of the client's messages the application gets: all of them, none (they arrive after close()), or those read before a reset. */
  delivers: 'all' | 'none' | 'prefix';
  /** The client reads the server's messages to the end, and the close frame when one is expected. */
  readsServerClose: boolean;
  closeTimeoutMs: number;
  /** What the server does as soon as it has accepted the connection (after sending its messages). */
  onAccepted?: (connection: Connection) => void;
  /** What the client does with its frames. */
  client: (peer: RawPeer, frames: Buffer[]) => Promise<void>;
}

const answerCloseThenEnd = async (peer: RawPeer, code: number): Promise<void> => {
  await peer.nextOf('close');
  peer.sendClose(code);
  await peer.ended;
  peer.socket.end();
};

const ENDINGS: Ending[] = [
  {
    name: 'client close frame',
    expected: { code: 1000, reason: 'done', wasClean: true },
    delivers: 'all',
    readsServerClose: true,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    client: async (peer, frames) => {
      // One write: the messages, then the close frame, as a burst.
      peer.socket.write(Buffer.concat([...frames, encodeClose(1000, 'done', randomBytes(4))]));
      await peer.ended;
      peer.socket.end();
    },
  },
  {
    name: 'server close()',
    expected: { code: 4000, reason: '', wasClean: true }, // the peer's answer, which carries no reason
    // close() runs before the first read: what the client sends after it is not accepted.
    delivers: 'none',
    readsServerClose: true,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    onAccepted: (connection) => connection.close(4000, 'bye'),
    client: async (peer, frames) => {
      if (frames.length > 0) peer.socket.write(Buffer.concat(frames));
      await answerCloseThenEnd(peer, 4000);
    },
  },
  {
    name: 'client FIN without a close frame',
    expected: { code: 1006, reason: '', wasClean: false },
    delivers: 'all',
    readsServerClose: false,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    client: async (peer, frames) => {
      peer.socket.end(Buffer.concat(frames));
      await peer.closed;
    },
  },
  {
    name: 'client RST',
    expected: { code: 1006, reason: '', wasClean: false },
    delivers: 'prefix',
    readsServerClose: false,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    client: async (peer, frames) => {
      if (frames.length > 0) peer.socket.write(Buffer.concat(frames));
      peer.socket.resetAndDestroy();
      await peer.closed;
    },
  },
  {
    name: 'close timeout (the client never answers)',
    // §7.1.5: no close frame came back, so the code is the one we sent and the close is not clean.
    expected: { code: 1000, reason: '', wasClean: false },
    delivers: 'none',
    readsServerClose: true,
    closeTimeoutMs: 100,
    onAccepted: (connection) => connection.close(1000, 'bye'),
    client: async (peer, frames) => {
      if (frames.length > 0) peer.socket.write(Buffer.concat(frames));
      await peer.nextOf('close');
      // The server destroyed its socket after closeTimeoutMs: a FIN, or a reset if a stall under load
      // left some of our messages unread there.
      await Promise.race([peer.ended, peer.closed]);
      peer.socket.end();
    },
  },
];

const CELLS = DEFLATE_MODES.flatMap((mode) =>
  ENDINGS.flatMap((ending) => MESSAGE_COUNTS.map((count) => ({ label: `${mode.name} × ${ending.name} × ${count} each way`, mode, ending, count }))),
);

describe('Connection: the close-path matrix', () => {
  const harness = useTransportHarness();
  let timers: LiveTimers;
  beforeEach(() => (timers = installLiveTimers()));
  afterEach(() => timers.uninstall());

  it('has 45 cells', () => expect(CELLS).toHaveLength(3 * 5 * 3));

  it.each(CELLS)('$label', async ({ mode, ending, count }) => {
    const clientTexts = Array.from({ length: count }, (_, i) => textOf('client', i));
    const serverTexts = Array.from({ length: count }, (_, i) => textOf('server', i));
    let delivered: Array<string | Buffer> = [];
    const server = await harness.start({
      routes: [
        {
          path: '/ws',
          perMessageDeflate: mode.route,
          connection: { closeTimeoutMs: ending.closeTimeoutMs },
          onConnection: (connection) => {
            delivered = collectMessages(connection);
            for (const text of serverTexts) connection.send(text);
            ending.onAccepted?.(connection);
          },
        },
      ],
    });
    const serverSockets: Socket[] = [];
    server.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    const peer = await harness.rawPeer(server.port, '/ws', mode.offer);
    expectAgreement(peer, mode);
    const connection = await server.nextConnection();

    await ending.client(
      peer,
      clientTexts.map((text) => clientTextFrame(mode, text)),
    );
    const closeEvent = await connection.closed;

    expect(closeEvent).toEqual(ending.expected);
    if (ending.delivers === 'all') expect(delivered).toEqual(clientTexts);
    if (ending.delivers === 'none') expect(delivered).toEqual([]);
    if (ending.delivers === 'prefix') expect(delivered).toEqual(clientTexts.slice(0, delivered.length));
    if (ending.name !== 'client RST') {
      const reader = new ServerMessageReader(mode);
      const received = peer.events.map((event) => reader.textOf(event)).filter((text) => text !== undefined);
      expect(received).toEqual(serverTexts);
      const closeFrames = peer.eventsOf('close');
      expect(closeFrames).toHaveLength(ending.readsServerClose ? 1 : 0);
    }
    // Nothing left behind: the socket is gone and not paused, no timer is armed, nobody tracks it.
    const [socket] = serverSockets;
    expect(socket.destroyed).toBe(true);
    expect(socket.isPaused()).toBe(false);
    const fresh = new Socket();
    expect(['data', 'end', 'drain'].map((name) => socket.listenerCount(name))).toEqual(['data', 'end', 'drain'].map((name) => fresh.listenerCount(name)));
    expect(timers.count).toBe(0);
    expect(server.listener.connections.size).toBe(0);
  });
});

function expectAgreement(peer: RawPeer, mode: DeflateMode): void {
  const agreed = peer.head.headers['sec-websocket-extensions'];
  if (mode.route) expect(agreed).toMatch(/^permessage-deflate/);
  else expect(agreed).toBeUndefined();
}
