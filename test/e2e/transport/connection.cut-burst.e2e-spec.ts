import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { clientTextFrame, DEFLATE_MODES, DeflateMode, ServerMessageReader } from '../../helpers/deflate-peer';
import { installLiveTimers, LiveTimers } from '../../helpers/live-timers';
import { collectMessages, StartedServer, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

/** A short message and one past the 1 KiB threshold, so that the echoes go out plain and compressed. */
const TEXTS = ['one', `two ${'2'.repeat(2048)}`, 'three', `four ${'4'.repeat(2048)}`];
const ABNORMAL: CloseEvent = { code: 1006, reason: '', wasClean: false };
/** Every cut within this many bytes of a frame boundary, and the middle of each frame. */
const EDGE_BYTES = 3;

interface Ending {
  name: string;
  /** What the client does once it has written the first `cut` bytes of the burst. */
  act: (peer: RawPeer) => Promise<void>;
  /** The client reads the server's echoes to the end (it only half-closed). */
  readsEchoes: boolean;
}

const ENDINGS: Ending[] = [
  {
    name: 'FIN, still reading',
    readsEchoes: true,
    act: async (peer) => {
      peer.socket.end();
      await peer.ended;
    },
  },
  {
    name: 'RST',
    readsEchoes: false,
    act: async (peer) => {
      peer.socket.resetAndDestroy();
      await peer.closed;
    },
  },
];

/** Cut offsets: each frame's edges and middle, and the whole burst. */
function cutsOf(frames: Buffer[]): number[] {
  const cuts = new Set<number>();
  let start = 0;
  for (const frame of frames) {
    const end = start + frame.length;
    for (let d = 0; d <= EDGE_BYTES; d++) [start + d, end - d].forEach((cut) => cuts.add(cut));
    cuts.add(start + (frame.length >> 1));
    start = end;
  }
  return [...cuts].sort((a, b) => a - b);
}

/** What a cut should give: the messages whole before it, and whether the close frame is whole. */
function expectedAt(cut: number, frames: Buffer[]): { delivered: string[]; hasClose: boolean } {
  let end = 0;
  const whole = frames.filter((frame) => (end += frame.length) <= cut).length;
  return { delivered: TEXTS.slice(0, Math.min(whole, TEXTS.length)), hasClose: whole > TEXTS.length };
}

interface Outcome {
  cut: number;
  delivered: Array<string | Buffer>;
  echoes: string[];
  closeEvent: CloseEvent;
  /** Nothing left: socket destroyed and not paused, no listener of ours, no timer, not tracked. */
  isReleased: boolean;
}

/**
 * A burst (four messages and a close frame, compressed when deflate is agreed) cut at every frame
 * edge and in the middle of each frame, then the client half-closes (FIN, and keeps reading) or
 * resets. Whatever the cut, the echo gets each whole message once and in order, the client gets
 * the echoes of all of them before the server's FIN, the close frame (when whole) is answered and
 * the close is clean, and nothing stays paused, listened to or timed.
 */
describe('Connection: a burst cut at every frame edge, then FIN or RST', () => {
  const harness = useTransportHarness();
  let timers: LiveTimers;
  beforeEach(() => (timers = installLiveTimers()));
  afterEach(() => timers.uninstall());

  const CELLS = DEFLATE_MODES.flatMap((mode) => ENDINGS.map((ending) => ({ label: `${mode.name} × ${ending.name}`, mode, ending })));

  it('has 6 cells', () => expect(CELLS).toHaveLength(6));

  it.each(CELLS)('$label', async ({ mode, ending }) => {
    let delivered: Array<string | Buffer> = [];
    const server = await harness.start({
      routes: [
        {
          path: '/echo',
          perMessageDeflate: mode.route,
          onConnection: (connection) => {
            delivered = collectMessages(connection);
            connection.on('message', (data) => connection.send(data));
          },
        },
      ],
    });
    const serverSockets: Socket[] = [];
    server.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    const frames = [...TEXTS.map((text) => clientTextFrame(mode, text)), encodeClose(1000, 'done', randomBytes(4))];
    const burst = Buffer.concat(frames);
    const cuts = cutsOf(frames);

    const outcomes: Outcome[] = [];
    for (const cut of cuts) outcomes.push(await runCut(server, mode, ending, burst.subarray(0, cut), cut, () => delivered, serverSockets));

    const expected = cuts.map((cut): Outcome => {
      const { delivered: texts, hasClose } = expectedAt(cut, frames);
      return {
        cut,
        delivered: texts,
        echoes: ending.readsEchoes ? texts : [],
        closeEvent: hasClose ? { code: 1000, reason: 'done', wasClean: true } : ABNORMAL,
        isReleased: true,
      };
    });
    if (ending.readsEchoes) expect(outcomes).toEqual(expected);
    else {
      // A reset may come before the server read everything: a prefix is delivered, in order, and
      // the close is clean only when the whole close frame was read and answered first.
      const judged = outcomes.map(({ cut, delivered: texts, closeEvent, isReleased }, i) => ({
        cut,
        isPrefix: isDeepStrictEqual(texts, expected[i].delivered.slice(0, texts.length)),
        isCloseAllowed: isDeepStrictEqual(closeEvent, ABNORMAL) || isDeepStrictEqual(closeEvent, expected[i].closeEvent),
        isReleased,
      }));
      expect(judged).toEqual(cuts.map((cut) => ({ cut, isPrefix: true, isCloseAllowed: true, isReleased: true })));
    }
  });

  async function runCut(
    server: StartedServer,
    mode: DeflateMode,
    ending: Ending,
    bytes: Buffer,
    cut: number,
    deliveredOf: () => Array<string | Buffer>,
    serverSockets: Socket[],
  ): Promise<Outcome> {
    const peer = await harness.rawPeer(server.port, '/echo', mode.offer);
    const connection: Connection = await server.nextConnection();
    if (bytes.length > 0) peer.socket.write(bytes);
    await ending.act(peer);
    const closeEvent = await connection.closed;
    await peer.closed;
    const reader = new ServerMessageReader(mode);
    const echoes = peer.events.map((event) => reader.textOf(event)).filter((text): text is string => text !== undefined);
    const socket = serverSockets.at(-1)!;
    const fresh = new Socket();
    const isReleased =
      socket.destroyed &&
      !socket.isPaused() &&
      ['data', 'end', 'drain'].every((name) => socket.listenerCount(name) === fresh.listenerCount(name)) &&
      timers.count === 0 &&
      server.listener.connections.size === 0;
    return { cut, delivered: deliveredOf(), echoes, closeEvent, isReleased };
  }
});
