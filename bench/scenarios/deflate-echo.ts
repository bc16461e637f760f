import { constants, deflateRawSync } from 'node:zlib';
import { LoadgenArgs } from '../loadgen/loadgen-client';
import { DEFLATE_TARGETS } from '../peers/peer-catalog';
import { depthFor } from './echo-throughput';
import { perCpuSecond, Scenario } from './scenario';
import { jsonPayloadOf } from './wire-messages';

export interface DeflateEchoOptions {
  connections: number;
  payloadBytes: number;
  depth: number;
  warmupMs: number;
  durationMs: number;
  /**
   * The client also offers server_no_context_takeover, so both servers compress each reply alone:
   * the same settings on both sides. Without it, ws keeps its default (context takeover: a reply
   * equal to the one before compresses to 43 bytes instead of 569) and ours its own (none).
   */
  isEachReplyAlone?: boolean;
}

/** The client's offer: its own context is reset per message, so one compressed message is valid every time. */
const OFFER = 'permessage-deflate; client_no_context_takeover';
const OFFER_EACH_REPLY_ALONE = `${OFFER}; server_no_context_takeover`;

/** RFC 7692 §7.2.1: DEFLATE with a sync flush, without its final 00 00 ff ff. */
function compressedMessage(text: string): Buffer {
  const compressed = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return compressed.subarray(0, compressed.length - 4);
}

/** The load generator's arguments for a deflate echo of `payloadBytes` of JSON (the profile runs it too). */
export function deflateEchoLoad(connections: number, payloadBytes: number, depth = depthFor(connections, payloadBytes), isEachReplyAlone = false): Omit<LoadgenArgs, 'port'> {
  const deflatedHex = compressedMessage(jsonPayloadOf(payloadBytes)).toString('hex');
  const extensions = isEachReplyAlone ? OFFER_EACH_REPLY_ALONE : OFFER;
  return { mode: 'echo', protocol: 'ws', path: '/echo', conns: connections, depth, extensions, deflatedHex };
}

/**
 * Closed-loop raw echo of a JSON text with permessage-deflate on both sides (issue 17). The C load
 * generator sends one message compressed once (RSV1) and counts the compressed replies without
 * inflating them: the servers inflate, validate and deflate every message; the client stays cheap.
 */
export function deflateEcho(options: DeflateEchoOptions): Scenario {
  const { connections, payloadBytes, depth, isEachReplyAlone = false } = options;
  return {
    id: `echo-deflate${isEachReplyAlone ? '-alone' : ''}-${payloadBytes}b-${connections}c`,
    group: 'echo',
    title: `permessage-deflate echo, ${payloadBytes / 1024} KiB JSON, ${connections.toLocaleString('en-US')} conn × ${depth} in flight${isEachReplyAlone ? ', each reply compressed alone (both servers)' : ''}`,
    targets: DEFLATE_TARGETS,
    baseline: 'ws-deflate',
    metrics: [
      { key: 'messagesPerSecond', label: 'msgs/s', unit: 'msg/s', isHigherBetter: true },
      { key: 'messagesPerCpuSecond', label: 'msgs / server CPU-s', unit: 'msg/s', isHigherBetter: true },
    ],
    async run(target, context) {
      const peer = await context.peer(target.peer);
      const { result, serverCpuPercent, backgroundCpuPercent } = await context.measure(peer, {
        ...deflateEchoLoad(connections, payloadBytes, depth, isEachReplyAlone),
        protocol: target.protocol,
        port: peer.port,
        path: target.path,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      return {
        values: { messagesPerSecond: result.messagesPerSecond, messagesPerCpuSecond: perCpuSecond(result.messagesPerSecond, serverCpuPercent) },
        loadgenCpuPercent: result.cpuPercent,
        serverCpuPercent,
        backgroundCpuPercent,
        // A server that did not take the offer fails the RSV1 frames with 1002: counted here.
        failures: result.failed,
      };
    },
  };
}
