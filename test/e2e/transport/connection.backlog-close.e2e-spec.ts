import { randomBytes } from 'node:crypto';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { CloseEvent, Connection } from '../../../lib/transport/connection';
import { DEFLATE_MODES } from '../../helpers/deflate-peer';
import { installLiveTimers, LiveTimers } from '../../helpers/live-timers';
import { useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

/** 20,000 2-byte messages: far past the socket's high-water mark, so they wait in the send queue's backlog. */
const MESSAGE_COUNT = 20_000;
const messageOf = (index: number): Buffer => Buffer.of(index >> 8, index & 0xff);

interface Ending {
  name: string;
  expected: CloseEvent;
  /** The peer gets every message, in order, before the end. */
  readsAll: boolean;
  act: (peer: RawPeer, connection: Connection) => Promise<void>;
}

const ENDINGS: Ending[] = [
  {
    name: 'client FIN',
    expected: { code: 1006, reason: '', wasClean: false },
    readsAll: true,
    act: async (peer) => {
      peer.socket.end();
      peer.socket.resume();
      await peer.closed;
    },
  },
  {
    name: 'client close frame',
    expected: { code: 1000, reason: '', wasClean: true },
    readsAll: true,
    act: async (peer) => {
      peer.socket.write(encodeClose(1000, '', randomBytes(4)));
      peer.socket.resume();
      await peer.ended;
      peer.socket.end();
    },
  },
  {
    name: 'server close()',
    expected: { code: 4000, reason: '', wasClean: true },
    readsAll: true,
    act: async (peer, connection) => {
      connection.close(4000);
      peer.socket.resume();
      await peer.nextOf('close');
      peer.sendClose(4000);
      await peer.ended;
      peer.socket.end();
    },
  },
  {
    name: 'client RST',
    expected: { code: 1006, reason: '', wasClean: false },
    readsAll: false,
    act: async (peer) => {
      peer.socket.resetAndDestroy();
      await peer.closed;
    },
  },
];

const CELLS = DEFLATE_MODES.flatMap((mode) => ENDINGS.map((ending) => ({ label: `${mode.name} × ${ending.name}`, mode, ending })));

/**
 * The send queue's backlog (tiny frames copied together while the socket is full) at every way a
 * connection ends: what was accepted goes out whole and in order before FIN or the close frame, a
 * reset drops it, and bufferedAmount is 0 and no timer is left afterwards.
 */
describe('Connection: ending while tiny frames wait in the send backlog', () => {
  const harness = useTransportHarness();
  let timers: LiveTimers;
  beforeEach(() => (timers = installLiveTimers()));
  afterEach(() => timers.uninstall());

  it('has 12 cells', () => expect(CELLS).toHaveLength(12));

  it.each(CELLS)('$label', async ({ mode, ending }) => {
    const server = await harness.start({ routes: [{ path: '/ws', perMessageDeflate: mode.route }] });
    const peer = await harness.rawPeer(server.port, '/ws', mode.offer);
    peer.socket.pause();
    const connection = await server.nextConnection();

    for (let i = 0; i < MESSAGE_COUNT; i++) connection.send(messageOf(i));
    expect(connection.bufferedAmount).toBe(MESSAGE_COUNT * 4);
    await ending.act(peer, connection);

    expect(await connection.closed).toEqual(ending.expected);
    if (ending.readsAll) {
      const received = peer.eventsOf('binary').map((event) => event.data);
      expect(received).toHaveLength(MESSAGE_COUNT);
      expect(received.every((data, i) => data.equals(messageOf(i)))).toBe(true);
    }
    expect(connection.bufferedAmount).toBe(0);
    expect(timers.count).toBe(0);
  });
});
