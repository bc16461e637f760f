import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { clientTextFrame, DEFLATE_MODES, DeflateMode, ServerMessageReader } from '../../helpers/deflate-peer';
import { installLiveTimers, LiveTimers } from '../../helpers/live-timers';
import { collectMessages, StartedServer, useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

const ABNORMAL: CloseEvent = { code: 1006, reason: '', wasClean: false };
/** Every cut within this many bytes of an edge (a frame's, a parse slice's), and the middle of each frame. */
const EDGE_BYTES = 3;
/** With deflate a read is parsed this much at a time (connection.ts). */
const SLICE_BYTES = 4 * 1024;

interface Burst {
  name: string;
  texts: string[];
  /** Where to cut it, given its frames (the close frame last). */
  cutsOf: (frames: Buffer[]) => number[];
}

const BURSTS: Burst[] = [
  // A short message and one past the 1 KiB threshold, so that the echoes go out plain and compressed.
  { name: 'four messages', texts: ['one', `two ${'2'.repeat(2048)}`, 'three', `four ${'4'.repeat(2048)}`], cutsOf: frameCuts },
  // Past the inflate backlog (16) and longer than a parse slice: the rest of a read waits unparsed.
  { name: '600 tiny messages', texts: Array.from({ length: 600 }, (_, i) => `t${i}`), cutsOf: sliceCuts },
];

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
function frameCuts(frames: Buffer[]): number[] {
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

/** Cut offsets: around each parse slice's edge, and around the close frame. */
function sliceCuts(frames: Buffer[]): number[] {
  const total = frames.reduce((sum, frame) => sum + frame.length, 0);
  const edges = [0, ...Array.from({ length: Math.floor(total / SLICE_BYTES) }, (_, i) => (i + 1) * SLICE_BYTES), total - frames.at(-1)!.length, total];
  const cuts = edges.flatMap((edge) => Array.from({ length: 2 * EDGE_BYTES + 1 }, (_, d) => edge + d - EDGE_BYTES));
  return [...new Set(cuts.filter((cut) => cut >= 0 && cut <= total))].sort((a, b) => a - b);
}

/** What a cut should give: the messages whole before it, and whether the close frame is whole. */
function expectedAt(cut: number, texts: string[], frames: Buffer[]): { delivered: string[]; hasClose: boolean } {
  let end = 0;
  const whole = frames.filter((frame) => (end += frame.length) <= cut).length;
  return { delivered: texts.slice(0, Math.min(whole, texts.length)), hasClose: whole > texts.length };
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
 * A burst (messages and a close frame, compressed when deflate is agreed) cut at every frame edge
 * and in the middle of each frame (or around each 4 KiB parse slice for a long burst of tiny
 * messages), then the client half-closes (FIN, and keeps reading) or
 * resets. Whatever the cut, the echo gets each whole message once and in order, the client gets
 * the echoes of all of them before the server's FIN, the close frame (when whole) is answered and
 * the close is clean, and nothing stays paused, listened to or timed.
 */
describe('Connection: a burst cut at every frame edge, then FIN or RST', () => {
  const harness = useTransportHarness();
  let timers: LiveTimers;
  beforeEach(() => (timers = installLiveTimers()));
  afterEach(() => timers.uninstall());

  const CELLS = DEFLATE_MODES.flatMap((mode) =>
    BURSTS.flatMap((burst) => ENDINGS.map((ending) => ({ label: `${mode.name} × ${burst.name} × ${ending.name}`, mode, burst, ending }))),
  );

  it('has 12 cells', () => expect(CELLS).toHaveLength(12));

  it.each(CELLS)('$label', async ({ mode, burst: { texts, cutsOf }, ending }) => {
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
    const frames = [...texts.map((text) => clientTextFrame(mode, text)), encodeClose(1000, 'done', randomBytes(4))];
    const burst = Buffer.concat(frames);
    const cuts = cutsOf(frames);

    const outcomes: Outcome[] = [];
    for (const cut of cuts) outcomes.push(await runCut(server, mode, ending, burst.subarray(0, cut), cut, () => delivered, serverSockets));

    const expected = cuts.map((cut): Outcome => {
      const { delivered: whole, hasClose } = expectedAt(cut, texts, frames);
      return {
        cut,
        delivered: whole,
        echoes: ending.readsEchoes ? whole : [],
        closeEvent: hasClose ? { code: 1000, reason: 'done', wasClean: true } : ABNORMAL,
        isReleased: true,
      };
    });
    if (ending.readsEchoes) expect(outcomes).toEqual(expected);
    else {
      // A reset may come before the server read everything: a prefix is delivered, in order, and
      // the close is clean only when the whole close frame was read and answered first.
      const judged = outcomes.map(({ cut, delivered, closeEvent, isReleased }, i) => ({
        cut,
        isPrefix: isDeepStrictEqual(delivered, expected[i].delivered.slice(0, delivered.length)),
        isCloseAllowed: isDeepStrictEqual(closeEvent, ABNORMAL) || isDeepStrictEqual(closeEvent, expected[i].closeEvent),
        isReleased,
      }));
      expect(judged).toEqual(cuts.map((cut) => ({ cut, isPrefix: true, isCloseAllowed: true, isReleased: true })));
    }
  }, 60_000);

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
