import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { constants, deflateRawSync } from 'node:zlib';
import { encodeClose, encodeFrame } from '../../../lib/protocol/frame-writer';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { Opcode } from '../../../lib/protocol/opcode';
import { Connection, ConnectionOptions } from '../../../lib/transport/connection';
import { ZLIB_ON_LOOP_MAX_BYTES } from '../../../lib/transport/deflate/zlib-pool';
import { ContextInflater, inflateMessage } from '../../helpers/deflate-client';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';

const OPTIONS: ConnectionOptions = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' };

/** `text` compressed on its own (§7.2.1), in one masked frame with RSV1 (§6). */
const compressedText = (text: string): Buffer => {
  const compressed = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return encodeFrame(compressed.subarray(0, compressed.length - 4), { opcode: Opcode.Text, rsv1: true, maskKey: randomBytes(4) });
};
const plainText = (text: string): Buffer => encodeFrame(Buffer.from(text), { opcode: Opcode.Text, maskKey: randomBytes(4) });

/** Small messages are inflated and compressed on the event loop, large ones on the thread pool (ZLIB_ON_LOOP_MAX_BYTES). */
const small = (i: number): string => `small ${i} `.padEnd(2048, 's');
const large = (i: number): string => `large ${i} `.padEnd(ZLIB_ON_LOOP_MAX_BYTES + 4096, 'l');
const tiny = (i: number): string => `tiny ${i}`;

/**
 * RFC 6455 §5.4: messages are delivered and sent in order. With permessage-deflate some of them
 * take the thread pool and some do not; whatever the mix, nothing overtakes what came before it.
 */
describe.each([
  ['no context takeover (small messages on the loop, large on the pool)', deflateParams(false)],
  ['context takeover both ways (every compressed message on the pool)', deflateParams(true)],
])('Connection with permessage-deflate, %s: order around the thread pool', (_name, params) => {
  it('delivers and echoes small, large, uncompressed and tiny messages read together in the order they came', async () => {
    const texts = [small(0), large(1), small(2), tiny(3), large(4), tiny(5), small(6), small(7)];
    const frames = texts.map((text, i) => (text.startsWith('tiny') || i === 7 ? plainText(text) : compressedText(text)));
    const socket = new RecordingDuplex();
    const connection = new Connection(socket, { ...OPTIONS, deflate: params });
    const delivered: string[] = [];
    connection.on('message', (data) => {
      delivered.push(String(data));
      connection.send(String(data)); // an echo
    });
    connection.open();

    // Split in two reads at a point inside the second large message.
    const bytes = Buffer.concat(frames);
    socket.emit('data', bytes.subarray(0, bytes.length >> 1));
    socket.emit('data', bytes.subarray(bytes.length >> 1));
    const finished = once(socket, 'finish'); // our close frame answered the peer's, then FIN
    socket.emit('data', encodeClose(1000, '', randomBytes(4)));
    await finished;
    socket.destroy();

    const inflater = new ContextInflater();
    const inflate = (data: Buffer): Buffer => (params.serverNoContextTakeover ? inflateMessage(data) : inflater.inflate(data));
    const echoed = new FrameParser({ role: 'client', maxMessageBytes: 64 << 20, isDeflateNegotiated: true })
      .push(socket.written)
      .flatMap((event) => (event.kind === 'text' ? [event.text] : event.kind === 'compressed' ? [inflate(event.data).toString()] : []));
    expect(delivered).toEqual(texts);
    expect(echoed).toEqual(texts);
  });
});
