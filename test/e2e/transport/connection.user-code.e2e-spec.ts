import { randomBytes } from 'node:crypto';
import { encodeClose } from '../../../lib/protocol/frame-writer';
import { Connection } from '../../../lib/transport/connection';
import { clientTextFrame, DEFLATE_MODES } from '../../helpers/deflate-peer';
import { installLiveTimers, LiveTimers } from '../../helpers/live-timers';
import { useTransportHarness } from '../../helpers/transport-harness';

const textOf = (index: number): string => `message ${index} `.padEnd(2048, '.');
const IN_FLIGHT = 40;

interface Misbehaviour {
  name: string;
  /** Installed on the accepted connection; called with each message. */
  onMessage: (connection: Connection, index: number) => void;
  /** The close code the peer receives. */
  closeCode: number;
  /** The failure comes with the first message; else later (a 'drain'), and the messages before it are delivered in order. */
  isFirstTheLast: boolean;
}

const MISBEHAVIOURS: Misbehaviour[] = [
  {
    name: "the 'message' listener throws on the first message",
    onMessage: () => {
      throw new Error('handler failed');
    },
    closeCode: 1011,
    isFirstTheLast: true,
  },
  { name: 'the listener calls close() on the first message', onMessage: (connection) => connection.close(4001, 'enough'), closeCode: 4001, isFirstTheLast: true },
  {
    name: "a 'drain' listener throws after the first message's reply",
    onMessage: (connection, index) => {
      if (index > 0) return;
      connection.on('drain', () => {
        throw new Error('drain listener failed');
      });
      // Past the high-water mark: 'drain' is owed, and its listener throws.
      connection.send(randomBytes(64 * 1024));
    },
    closeCode: 1011,
    isFirstTheLast: false,
  },
];

const CELLS = DEFLATE_MODES.flatMap((mode) => MISBEHAVIOURS.map((misbehaviour) => ({ label: `${mode.name} × ${misbehaviour.name}`, mode, misbehaviour })));

/**
 * User code that throws or closes while 40 messages are in flight, with deflate off and on: no
 * message is delivered after the close began (after the first one, when it began there),
 * the peer gets the documented close code, the handshake completes, and no timer is left.
 */
describe('Connection: user code misbehaving with messages in flight', () => {
  const harness = useTransportHarness();
  let timers: LiveTimers;
  beforeEach(() => (timers = installLiveTimers()));
  afterEach(() => timers.uninstall());

  it('has 9 cells', () => expect(CELLS).toHaveLength(9));

  it.each(CELLS)('$label', async ({ mode, misbehaviour }) => {
    const calls: number[] = [];
    const server = await harness.start({
      routes: [
        {
          path: '/ws',
          perMessageDeflate: mode.route,
          connection: { closeTimeoutMs: 5_000 },
          onConnection: (connection) => {
            connection.on('message', () => {
              calls.push(calls.length);
              misbehaviour.onMessage(connection, calls.length - 1);
            });
          },
        },
      ],
    });
    const peer = await harness.rawPeer(server.port, '/ws', mode.offer);
    const connection = await server.nextConnection();

    peer.socket.write(Buffer.concat(Array.from({ length: IN_FLIGHT }, (_, i) => clientTextFrame(mode, textOf(i)))));
    const close = await peer.nextOf('close');
    peer.socket.write(encodeClose(close.code, '', randomBytes(4)));
    await peer.ended;
    peer.socket.end();

    expect(close.code).toBe(misbehaviour.closeCode);
    expect(await connection.closed).toEqual({ code: misbehaviour.closeCode, reason: '', wasClean: true });
    if (misbehaviour.isFirstTheLast) expect(calls).toEqual([0]);
    else expect(calls).toEqual(Array.from({ length: calls.length }, (_, i) => i));
    expect(server.unexpectedErrors.length).toBe(misbehaviour.closeCode === 1011 ? 1 : 0);
    expect(timers.count).toBe(0);
  });
});
