import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { deflateParams } from '../../helpers/deflate-params';
import { RecordingDuplex } from '../../helpers/recording-duplex';

type ConnectionModule = typeof import('../../../lib/transport/connection');
type WriterModule = typeof import('../../../lib/protocol/frame-writer');
type MaskingModule = typeof import('../../../lib/protocol/masking');

/** The engine loaded afresh as `npm install --omit=optional` leaves it: no bufferutil to require. */
function engineWithoutBufferutil(): { connection: ConnectionModule; writer: WriterModule; masking: MaskingModule } {
  let loaded: { connection: ConnectionModule; writer: WriterModule; masking: MaskingModule } | undefined;
  jest.isolateModules(() => {
    jest.doMock('bufferutil', () => {
      throw new Error("Cannot find module 'bufferutil'");
    });
    /* eslint-disable @typescript-eslint/no-require-imports -- fresh copies of the modules, loaded without bufferutil */
    loaded = {
      connection: require('../../../lib/transport/connection') as ConnectionModule,
      writer: require('../../../lib/protocol/frame-writer') as WriterModule,
      masking: require('../../../lib/protocol/masking') as MaskingModule,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  jest.dontMock('bufferutil');
  return loaded!;
}

/** Lengths around the 64-byte native/SIMD threshold and a frame that spans reads. */
const LENGTHS = [0, 1, 3, 63, 64, 65, 127, 128, 129, 4_099, 100_003];

/**
 * bufferutil is an optional dependency: a server installed without it unmasks in WebAssembly SIMD.
 * masking.spec checks the functions; this runs the receive path (the parser, the kept-masked
 * payload allocated at half, permessage-deflate) end to end with it absent, every read cut.
 */
describe.each([false, true])('Connection without bufferutil (deflate %s)', (isDeflate) => {
  const { connection: engine, writer, masking } = engineWithoutBufferutil();

  it('unmasks with SIMD, and every message arrives as sent, whole or cut around 64 bytes and at half the frame', async () => {
    expect(masking.MASKING_IMPLEMENTATION).toBe('simd');
    const socket = new RecordingDuplex();
    const options = { maxMessageBytes: 1 << 20, closeTimeoutMs: 1_000, maxBufferedBytes: 8 << 20, onBufferOverflow: 'close' as const };
    const connection = new engine.Connection(socket, { ...options, deflate: isDeflate ? deflateParams(false) : undefined });
    const received: Buffer[] = [];
    const sent: Buffer[] = [];
    let reads = 0;
    for (const length of LENGTHS) {
      const payload = randomBytes(length);
      const body = isDeflate ? deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH }) : payload;
      const frame = writer.encodeFrame(isDeflate ? body.subarray(0, body.length - 4) : body, { opcode: 2, rsv1: isDeflate, maskKey: randomBytes(4) });
      const headerBytes = frame.length - (isDeflate ? body.length - 4 : length);
      const half = headerBytes + ((frame.length - headerBytes) >> 1);
      const cuts = [...new Set([0, headerBytes + 63, headerBytes + 64, headerBytes + 65, half - 1, half, half + 1].filter((cut) => cut > 0 && cut < frame.length))];
      for (const cut of [frame.length, ...cuts]) {
        sent.push(payload);
        socket.push(Buffer.from(frame.subarray(0, cut))); // copies: the server unmasks a read in place
        if (cut < frame.length) socket.push(Buffer.from(frame.subarray(cut)));
        reads++;
      }
    }
    await new Promise<void>((resolve) => {
      connection.on('message', (message) => {
        received.push(message as Buffer);
        if (received.length === sent.length) resolve();
      });
      connection.on('close', () => resolve()); // a message that failed: the count below tells
      connection.open();
    });
    expect({ reads, wrong: received.filter((message, i) => !message.equals(sent[i])).length }).toEqual({ reads: sent.length, wrong: 0 });
    connection.terminate();
    socket.destroy();
  });
});
