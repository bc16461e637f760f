import { SECURITY_LIMITS, SECURITY_PATHS } from '../fixtures/security/security-gateways';
import { AttackSocket } from '../helpers/attack-socket';
import { AttackRun, MiB, tally } from '../helpers/attack-run';
import { OP, closePayload, encodeFrame, encodeHeader, hex } from '../helpers/raw-frames';
import { SecurityServer, startSecurityServer } from '../helpers/security-server';

// Attacks after the 101 on /echo (64 KiB messages, 1,024 frames per message, 500 ms close
// timeout): impossible and huge lengths, payloads that never end, fragments past the limits,
// protocol violations, and clients that leave in the middle of a frame. Each checks the close
// code the attacker got (then TCP close), a fresh client served during and after, and the
// server's memory in its own process.

jest.setTimeout(60_000);

const KiB = 1024;
const LIMIT = SECURITY_LIMITS.maxMessageBytes;
const MASK_KEY = hex('37 fa 21 3d');
const path = SECURITY_PATHS.echo;

/** Opens `count` connections to /echo at once. */
const openMany = (server: SecurityServer, count: number): Promise<AttackSocket[]> =>
  Promise.all(Array.from({ length: count }, () => AttackSocket.open(server.port, { path })));

/** The close code each attacker got, then waits for the server to close TCP; "1009, TCP closed". */
const closeOutcome = async (attacker: AttackSocket, waitMs = 5000): Promise<string> => {
  try {
    const code = await attacker.reader.closeCode(waitMs);
    await attacker.reader.tcpClosed(waitMs);
    return `${code}, TCP closed`;
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  } finally {
    attacker.destroy();
  }
};

describe('frame attacks against /echo of the security app in a child process', () => {
  let server: SecurityServer;

  beforeAll(async () => {
    server = await startSecurityServer('attack');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    // §5.2: the top bit of a 64-bit length must be 0; below it any length is legal, and too big (§7.4.1).
    { length: '2^63 − 1', header: hex('82 ff 7f ff ff ff ff ff ff ff'), code: 1009 },
    { length: '2^62', header: hex('82 ff 40 00 00 00 00 00 00 00'), code: 1009 },
    { length: '2^63 (top bit set)', header: hex('82 ff 80 00 00 00 00 00 00 00'), code: 1002 },
    { length: '2^64 − 1 (top bit set)', header: hex('82 ff ff ff ff ff ff ff ff ff'), code: 1002 },
  ])('closes 50 connections whose frame announces $length bytes with $code before any payload', async ({ length, header, code }) => {
    const run = await AttackRun.start(server, `frame announcing ${length} bytes`, { path });
    const attackers = await openMany(server, 50);

    await Promise.all(attackers.map((attacker) => attacker.write(Buffer.concat([header, MASK_KEY]))));
    const outcomes = Promise.all(attackers.map((attacker) => closeOutcome(attacker)));
    await run.probeDuring();

    expect(tally(await outcomes, (outcome) => outcome)).toEqual({ [`${code}, TCP closed`]: 50 });
    await run.finish({ answer: `close ${code}, then TCP close, for all 50`, boundBytes: 8 * MiB });
  });

  it('closes 20 connections trickling a 200 MiB payload with 1009 right after the header, before 64 KiB of it arrive', async () => {
    const run = await AttackRun.start(server, '200 MiB payload trickled', { path });
    const attackers = await openMany(server, 20);
    const header = encodeHeader({ opcode: OP.binary }, BigInt(200 * MiB), MASK_KEY);
    const sentBeforeClose: number[] = [];

    const trickle = async (attacker: AttackSocket): Promise<string> => {
      await attacker.write(header);
      const outcome = closeOutcome(attacker);
      let sent = 0;
      const piece = Buffer.alloc(KiB, 0x61);
      // 1 KiB every 10 ms until the server has spoken: bounded by count and time.
      for (let i = 0; i < 500 && attacker.isWritable && !attacker.reader.isClosed; i++) {
        if (attacker.reader.pending().length > 0 || !(await attacker.write(piece))) break;
        sent += piece.length;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      sentBeforeClose.push(sent);
      return outcome;
    };
    const outcomes = Promise.all(attackers.map(trickle));
    await run.probeDuring();

    expect(tally(await outcomes, (outcome) => outcome)).toEqual({ '1009, TCP closed': 20 });
    expect(Math.max(...sentBeforeClose)).toBeLessThan(64 * KiB);
    await run.finish({ answer: `close 1009, then TCP close, for all 20, after at most ${Math.max(...sentBeforeClose) / KiB} KiB of payload`, boundBytes: 8 * MiB });
  });

  it('closes 20 connections whose 16 KiB fragments pass 64 KiB with 1009 at the fifth fragment header', async () => {
    const run = await AttackRun.start(server, 'fragments summing past the limit', { path });
    const attackers = await openMany(server, 20);
    const fragment = Buffer.alloc(16 * KiB, 0x62);
    const fourFragments = Buffer.concat([
      encodeFrame({ opcode: OP.binary, payload: fragment, fin: false }),
      ...Array.from({ length: 3 }, () => encodeFrame({ opcode: OP.continuation, payload: fragment, fin: false })),
    ]);
    // The message is exactly at the limit after four; the fifth header announces one byte more than fits.
    const fifthHeader = encodeHeader({ opcode: OP.continuation, fin: true }, 1n, MASK_KEY);

    await Promise.all(attackers.map((attacker) => attacker.write(fourFragments)));
    await Promise.all(attackers.map((attacker) => attacker.write(fifthHeader)));
    const outcomes = Promise.all(attackers.map((attacker) => closeOutcome(attacker)));
    await run.probeDuring();

    expect(tally(await outcomes, (outcome) => outcome)).toEqual({ '1009, TCP closed': 20 });
    await run.finish({ answer: 'close 1009 at the header of the fragment that passes 64 KiB, then TCP close, for all 20', boundBytes: 8 * MiB });
  });

  it('echoes a message of 16,384 one-byte fragments, and closes 20 connections sending 16,385 of them with 1008', async () => {
    const fragments = (count: number): Buffer =>
      Buffer.concat(Array.from({ length: count }, (_, i) => encodeFrame({ opcode: i === 0 ? OP.text : OP.continuation, payload: 'x', fin: i === count - 1 })));
    const legit = await AttackSocket.open(server.port, { path });
    await legit.write(fragments(SECURITY_LIMITS.maxFragmentsPerMessage));
    const echo = await legit.reader.frame();
    expect({ opcode: echo.opcode, length: echo.payload.length }).toEqual({ opcode: OP.text, length: SECURITY_LIMITS.maxFragmentsPerMessage });
    legit.destroy();
    const run = await AttackRun.start(server, 'one-byte fragments past maxFragmentsPerMessage', { path });
    const attackers = await openMany(server, 20);

    const flood = fragments(SECURITY_LIMITS.maxFragmentsPerMessage + 1);
    await Promise.all(attackers.map((attacker) => attacker.write(flood)));
    const outcomes = Promise.all(attackers.map((attacker) => closeOutcome(attacker)));
    await run.probeDuring();

    expect(tally(await outcomes, (outcome) => outcome)).toEqual({ '1008, TCP closed': 20 });
    // 327,700 frames in all: each payload is a short-lived view, young-generation garbage that lifts
    // the RSS peak (17 MiB measured) while the heap kept after a GC stays under 1 MiB.
    await run.finish({ answer: 'close 1008 at fragment 16,385, then TCP close, for all 20', boundBytes: 32 * MiB, heldBoundBytes: 2 * MiB });
  });

  it.each([
    { name: 'an unmasked text frame', bytes: () => encodeFrame({ opcode: OP.text, payload: 'hello', mask: false }), code: 1002 },
    { name: 'a reserved opcode (0x3)', bytes: () => encodeFrame({ opcode: 0x3, payload: 'x' }), code: 1002 },
    { name: 'RSV1 without an extension', bytes: () => encodeFrame({ opcode: OP.text, payload: 'x', rsv: 4 }), code: 1002 },
    { name: 'invalid UTF-8 (an overlong encoding)', bytes: () => encodeFrame({ opcode: OP.text, payload: hex('c0 af') }), code: 1007 },
    { name: 'invalid UTF-8 (a surrogate, across two fragments)', bytes: () => Buffer.concat([encodeFrame({ opcode: OP.text, payload: hex('ed a0'), fin: false }), encodeFrame({ opcode: OP.continuation, payload: hex('80') })]), code: 1007 },
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535].map((closeCode) => ({
      name: `a close frame with code ${closeCode}`,
      bytes: () => encodeFrame({ opcode: OP.close, payload: closePayload(closeCode) }),
      code: 1002,
    })),
    { name: 'a close frame with a 1-byte payload', bytes: () => encodeFrame({ opcode: OP.close, payload: hex('03') }), code: 1002 },
    { name: 'a close reason that is not UTF-8', bytes: () => encodeFrame({ opcode: OP.close, payload: Buffer.concat([closePayload(1000), hex('ff')]) }), code: 1007 },
  ])('closes 20 connections sending $name with $code', async ({ name, bytes, code }) => {
    const run = await AttackRun.start(server, `protocol violation: ${name}`, { path });
    const attackers = await openMany(server, 20);

    await Promise.all(attackers.map((attacker) => attacker.write(bytes())));
    const outcomes = Promise.all(attackers.map((attacker) => closeOutcome(attacker)));
    await run.probeDuring();

    expect(tally(await outcomes, (outcome) => outcome)).toEqual({ [`${code}, TCP closed`]: 20 });
    await run.finish({ answer: `close ${code}, then TCP close, for all 20`, boundBytes: 8 * MiB });
  });

  it('ignores data after the client\'s close frame: only the close is echoed, then TCP closes', async () => {
    const run = await AttackRun.start(server, 'data after close', { path });
    const attackers = await openMany(server, 20);
    const bytes = Buffer.concat([
      encodeFrame({ opcode: OP.close, payload: closePayload(1000, 'bye') }),
      encodeFrame({ opcode: OP.text, payload: 'after close' }),
      encodeFrame({ opcode: OP.ping, payload: 'after close' }),
      hex('ff ff ff ff ff ff ff ff'), // and garbage
    ]);

    await Promise.all(attackers.map((attacker) => attacker.write(bytes)));
    const answers = Promise.all(
      attackers.map(async (attacker) => {
        const frame = await attacker.reader.frame();
        await attacker.reader.tcpClosed();
        const rest = attacker.reader.pending();
        attacker.destroy();
        return `${frame.opcode === OP.close ? `close ${frame.payload.readUInt16BE(0)}` : `opcode ${frame.opcode}`}, then ${rest.length} frames, TCP closed`;
      }),
    );
    await run.probeDuring();

    expect(tally(await answers, (answer) => answer)).toEqual({ 'close 1000, then 0 frames, TCP closed': 20 });
    await run.finish({ answer: 'close 1000 echoed, nothing else, then TCP close, for all 20', boundBytes: 8 * MiB });
  });

  it('survives 200 clients that reset the connection in the middle of a 60 KiB frame, and keeps none of them', async () => {
    const run = await AttackRun.start(server, 'RST mid-frame', { path });
    const before = await server.stats();

    for (let round = 0; round < 4; round++) {
      const attackers = await openMany(server, 50);
      const frame = encodeFrame({ opcode: OP.binary, payload: Buffer.alloc(60 * KiB, 0x63) });
      await Promise.all(attackers.map((attacker) => attacker.write(frame.subarray(0, 30 * KiB))));
      for (const attacker of attackers) attacker.reset();
      await run.probeDuring();
    }

    const after = await server.waitForStats((stats) => stats.connections === 0 && stats.sockets <= before.sockets, 3000);
    expect({ connections: after.connections, sockets: after.sockets }).toEqual({ connections: 0, sockets: before.sockets });
    await run.finish({ answer: 'no crash; all 200 connections and sockets released', boundBytes: 16 * MiB, heldBoundBytes: 2 * MiB });
  });

  it(`closes a client that sends ${LIMIT / KiB} KiB + 1 byte in one frame with 1009 and serves the next one`, async () => {
    const attacker = await AttackSocket.open(server.port, { path });
    await attacker.write(encodeFrame({ opcode: OP.binary, payload: Buffer.alloc(LIMIT + 1) }));
    expect(await closeOutcome(attacker)).toBe('1009, TCP closed');
    const legit = await AttackSocket.open(server.port, { path });
    await legit.write(encodeFrame({ opcode: OP.binary, payload: Buffer.alloc(LIMIT, 0x64) }));
    const echo = await legit.reader.frame();
    expect({ opcode: echo.opcode, length: echo.payload.length }).toEqual({ opcode: OP.binary, length: LIMIT });
    legit.destroy();
  });
});
