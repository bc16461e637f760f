import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { encodeFrame } from '../../lib/protocol/frame-writer';
import { Opcode } from '../../lib/protocol/opcode';
import type { EchoChildMemory, EchoChildMessage, EchoChildRequest } from '../fixtures/transport/echo-child';
import { spawnTsChild, TsChild } from '../helpers/ts-child';
import { RawPeer } from '../helpers/transport-peer';

const MiB = 1024 * 1024;
const START_WAIT_MS = 60_000;
/** The flood is bounded by MAX_FRAMES, not by time: on a loaded machine it may take minutes. */
const CLOSE_WAIT_MS = 200_000;
const REPLY_WAIT_MS = 15_000;
/** Frames written per turn of the loop, in one write: made once, so the peer spends its CPU on sending. */
const FRAMES_PER_TURN = 256;
const TURN = Buffer.concat(
  Array.from({ length: FRAMES_PER_TURN }, (_, i) => encodeFrame(Buffer.of(i), { opcode: Opcode.Binary, maskKey: randomBytes(4) })),
);
/** A bound on the flood: 8 MiB of 3-byte echoes is 2.8 M frames; this is 3 times that. */
const MAX_FRAMES = 8_400_000;

/**
 * A peer floods 1-byte binary frames to a raw echo and does not read the echoes. Each echo is a
 * 3-byte frame: counted by payload bytes, 8 MiB of budget used to be 2.8 M queued objects and
 * +1,246 MiB of RSS before the 1008. Small frames are copied together while the socket is backed
 * up, so the budget is about the memory. The server runs alone in a child process, so that its
 * RSS is only its own.
 */
describe('an outbound flood of tiny frames to a peer that does not read', () => {
  let child: TsChild<EchoChildRequest, EchoChildMessage>;
  let port: number;

  beforeAll(async () => {
    child = spawnTsChild('test/fixtures/transport/echo-child.ts', [], ['--expose-gc']);
    port = (await child.next('listening', START_WAIT_MS)).port;
  }, START_WAIT_MS);
  afterAll(() => child.kill());

  const memory = async (resetPeak = false): Promise<EchoChildMemory> => {
    const reply = child.next('memory', REPLY_WAIT_MS);
    child.send({ type: 'memory', resetPeak });
    return reply;
  };

  it('closes 1008 with the server peaking less than 64 MiB above its idle RSS, and keeps nothing after', async () => {
    const base = await memory(true);
    const peer = await RawPeer.connect(port, '/echo');
    peer.socket.pause(); // never reads an echo
    const closed = child.next('closed', CLOSE_WAIT_MS);
    let isClosed = false;
    void closed.then(() => (isClosed = true), () => undefined);

    let sent = 0;
    while (!isClosed && sent < MAX_FRAMES && !peer.socket.destroyed) {
      const canWrite = peer.socket.write(TURN);
      sent += FRAMES_PER_TURN;
      // A reset once the server gives up ends the wait too.
      if (!canWrite) await Promise.race([once(peer.socket, 'drain').catch(() => undefined), closed]);
      else await new Promise(setImmediate);
    }
    expect(await closed).toEqual({ type: 'closed', code: 1008, wasClean: false });
    peer.socket.destroy();
    const after = await memory();

    console.log(`${sent} frames sent; server RSS ${(base.rss / MiB).toFixed(1)} MiB, peak +${((after.peakRss - base.rss) / MiB).toFixed(1)} MiB, after +${((after.rss - base.rss) / MiB).toFixed(1)} MiB (heap +${((after.heapUsed - base.heapUsed) / MiB).toFixed(1)}, external +${((after.external - base.external) / MiB).toFixed(1)})`);
    expect(after.peakRss - base.rss).toBeLessThan(64 * MiB);
    // Nothing is kept: the heap and Buffers are back at the baseline. RSS is not a leak gauge here,
    // V8 keeps the young generation the echo traffic grew committed (+33 to +43 MiB seen, heap +0.4).
    expect(after.heapUsed - base.heapUsed).toBeLessThan(4 * MiB);
    expect(after.external - base.external).toBeLessThan(1 * MiB);
  }, CLOSE_WAIT_MS + 40_000);
});
