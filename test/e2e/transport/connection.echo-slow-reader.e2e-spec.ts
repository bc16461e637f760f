import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection } from '../../../lib/transport/connection';
import { useTransportHarness } from '../../helpers/transport-harness';
import { RawPeer } from '../../helpers/transport-peer';

const MIB = 1024 * 1024;
/** Payload sizes around every header length class (§5.2), the 2 KiB a text keeps its bytes from, the 8 KiB slab frame and the 64 KiB copy threshold. */
const SIZES = [0, 1, 125, 126, 127, 2_047, 2_048, 4_096, 8_180, 8_186, 8_192, 16_384, 65_535, 65_536, 70_000];
const ROUNDS = 12;
const ASCII = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Text of `byteLength` bytes, ASCII or with 2-byte characters, different every time. */
function textOf(byteLength: number, isMultiByte: boolean): string {
  const bytes = randomBytes(byteLength);
  let text = '';
  let left = byteLength;
  for (let i = 0; left > 0; i++) {
    if (isMultiByte && left >= 2 && bytes[i] % 3 === 0) {
      text += 'é';
      left -= 2;
    } else {
      text += ASCII[bytes[i] % ASCII.length];
      left -= 1;
    }
  }
  return text;
}

type Message = { kind: 'text'; text: string } | { kind: 'binary'; data: Buffer };

/** One round: every size as binary, ASCII text and multi-byte text, in one write (many frames per read) */
function round(): Message[] {
  return SIZES.flatMap((size) => [
    { kind: 'binary', data: randomBytes(size) } as Message,
    { kind: 'text', text: textOf(size, false) } as Message,
    { kind: 'text', text: textOf(size, true) } as Message,
  ]);
}

const frameOf = (message: Message): Buffer => (message.kind === 'text' ? RawPeer.frame(Opcode.Text, message.text) : RawPeer.frame(Opcode.Binary, message.data));

/**
 * Echoes to peers that stop reading (the kernel buffers fill, then the send queues: replies framed
 * in place in the reads, encoded into the shared slab, copied out of it, backed up), then read it
 * all: every byte of every echo is what was sent, in order, with deflate off. Two peers at once, so
 * their replies share the slab.
 */
describe('Connection: echoes to peers that stopped reading arrive intact once they read', () => {
  const harness = useTransportHarness();

  it('sends back every message byte for byte and in order, at every header length class', async () => {
    const server = await harness.start({ routes: [{ path: '/echo', connection: { maxBufferedBytes: 64 * MIB, maxMessageBytes: 1 * MIB } }] });
    const echo = (connection: Connection): void => void connection.on('message', (message) => connection.send(message));
    const peers: RawPeer[] = [];
    for (let i = 0; i < 2; i++) {
      peers.push(await harness.rawPeer(server.port, '/echo'));
      echo(await server.nextConnection());
      peers[i].socket.pause();
    }
    const sent: Message[][] = [[], []];
    for (let r = 0; r < ROUNDS; r++) {
      for (let p = 0; p < peers.length; p++) {
        const messages = round();
        sent[p].push(...messages);
        if (!peers[p].socket.write(Buffer.concat(messages.map(frameOf)))) await once(peers[p].socket, 'drain');
      }
    }
    for (const peer of peers) peer.socket.resume();

    for (let p = 0; p < peers.length; p++) {
      for (let i = 0; i < sent[p].length; i++) {
        const event = await peers[p].next();
        const expected = sent[p][i];
        const isIntact = expected.kind === 'text' ? event.kind === 'text' && event.text === expected.text : event.kind === 'binary' && event.data.equals(expected.data);
        if (!isIntact) throw new Error(`peer ${p}, message ${i} of ${sent[p].length} (${expected.kind}): not what was sent`);
      }
    }
    expect(server.unexpectedErrors).toEqual([]);
  }, 120_000);

  it.each(['reset', 'half-close'] as const)('lets a peer that stopped reading %s while echoes are framed and queued, with nothing reported', async (how) => {
    const server = await harness.start({ routes: [{ path: '/echo', connection: { maxBufferedBytes: 64 * MIB, maxMessageBytes: 1 * MIB } }] });
    const peer = await harness.rawPeer(server.port, '/echo');
    const connection = await server.nextConnection();
    connection.on('message', (message) => connection.send(message));
    const closed = once(connection, 'close');
    peer.socket.pause();
    for (let r = 0; r < ROUNDS / 2; r++) {
      if (!peer.socket.write(Buffer.concat(round().map(frameOf)))) await once(peer.socket, 'drain');
    }
    // The last round in the same write as the FIN or just before the RST: replies being framed as the peer goes.
    if (how === 'reset') {
      peer.socket.write(Buffer.concat(round().map(frameOf)));
      peer.socket.resetAndDestroy();
    } else peer.socket.end(Buffer.concat(round().map(frameOf)));

    await closed;
    expect(server.unexpectedErrors).toEqual([]);
    expect(connection.bufferedAmount).toBe(0);
  }, 120_000);
});
