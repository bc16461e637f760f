import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { encodeFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection } from '../../../lib/transport/connection';
import { DEFLATE_MODES } from '../../helpers/deflate-peer';
import { useTransportHarness } from '../../helpers/transport-harness';
import { upgradeRequest } from '../../helpers/transport-peer';

/** What a closed Connection still holds of its receive side (e69b752: nothing). */
const parserOf = (connection: Connection): unknown => (connection as unknown as { frameParser: unknown }).frameParser;

/**
 * A peer that sends its upgrade request and the start of a large frame in one packet, then leaves
 * (FIN or RST) while an async onConnection still runs: the Connection closes before reading starts.
 * When onConnection resolves, the gateway opens it with that head: nothing may be parsed or listened
 * to on a closed connection (it used to make a FrameParser that held the half frame).
 */
describe('Connection closed before reading started, through a real server', () => {
  const harness = useTransportHarness();

  describe.each([DEFLATE_MODES[0], DEFLATE_MODES[1]])('$name', (mode) => {
    it.each(['FIN', 'RST'])('the peer leaves with %s during an async onConnection: the head is not parsed after the close', async (ending) => {
      let startReading!: () => void;
      const started = await harness.start({
        routes: [{ path: '/slow', perMessageDeflate: mode.route, onConnection: () => new Promise<void>((resolve) => (startReading = resolve)) }],
      });
      const frame = encodeFrame(randomBytes(64 * 1024), { opcode: Opcode.Binary, maskKey: randomBytes(4) });
      const socket = connect(started.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      const connecting = started.nextConnection();
      socket.write(Buffer.concat([Buffer.from(upgradeRequest('/slow', mode.offer)), frame.subarray(0, frame.length >> 1)]));
      const connection = await connecting;
      const closed = once(connection, 'close');
      if (ending === 'FIN') socket.end();
      else socket.resetAndDestroy();
      await closed;
      const messages: unknown[] = [];
      connection.on('message', (message) => messages.push(message));

      startReading();
      await new Promise((resolve) => setImmediate(resolve)); // the gateway's then() has run

      expect({ messages, parser: parserOf(connection) }).toEqual({ messages: [], parser: undefined });
      socket.destroy();
    });
  });
});
