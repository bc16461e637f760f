import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { track } from '../system/child-processes';
import { Pinning } from '../system/cpu-pinning';
import { Protocol } from '../peers/peer-catalog';

export type LoadgenMode = 'echo' | 'latency' | 'fanout' | 'idle';

/** The command line of bench/loadgen/loadgen.c. */
export interface LoadgenArgs {
  mode: LoadgenMode;
  protocol: Protocol;
  port: number;
  path: string;
  conns: number;
  /** The text message sent (echo, latency), as the payload of a masked text frame. */
  message?: string;
  /** Instead of `message`: this many ASCII letters (payloadOf), made by the load generator, as argv takes at most 128 KiB. */
  messageBytes?: number;
  /** The message goes in a binary frame. */
  isBinary?: boolean;
  join?: string;
  broadcast?: string;
  depth?: number;
  window?: number;
  rate?: number;
  /** Fan-out: broadcasts per second, open loop, instead of `window` in flight. */
  broadcastRate?: number;
  /** A Sec-WebSocket-Extensions offer in the upgrade request. */
  extensions?: string;
  /** Echo: the message already compressed (RFC 7692 §7.2.1) as hex, sent with RSV1. */
  deflatedHex?: string;
  concurrency?: number;
  warmupMs?: number;
  durationMs?: number;
  holdMs?: number;
  connectTimeoutMs?: number;
}

/** The JSON line the load generator prints last. */
export interface LoadgenResult {
  ready: number;
  failed: number;
  handshakeSeconds: number;
  handshakesPerSecond: number;
  /** Its CPU seconds when every connection was up. */
  connectCpuSeconds: number;
  seconds: number;
  messages: number;
  messagesPerSecond: number;
  ringOverflows: number;
  /** Fan-out: times owed deliveries never came (lost) and the sender stopped waiting for them. */
  stalls: number;
  /** Its own CPU use in the measure window, % of one core: below 100 means it had spare CPU. */
  cpuPercent: number;
  p50us: number;
  p99us: number;
  p999us: number;
  maxus: number;
  samples: number;
}

export interface LoadgenHooks {
  /** Every connection is up (fan-out: every member joined). */
  onConnected?(line: { ready: number; failed: number }): void | Promise<void>;
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
}

/** A running load generator; `release()` ends an idle hold early. */
export interface LoadgenRun {
  result: Promise<LoadgenResult>;
  release(): void;
}

const SLACK_MS = 60_000;

export function startLoadgen(binary: string, args: LoadgenArgs, pinning: Pinning, hooks: LoadgenHooks = {}): LoadgenRun {
  const argv = toArgv(args);
  const { command, args: wrapped } = pinning.wrap('loadgen', binary, argv);
  const child = track(spawn(command, wrapped, { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  // Bounded: connect timeout + warm-up + duration (or hold) + slack, then SIGKILL.
  const budgetMs = (args.connectTimeoutMs ?? 60_000) + (args.warmupMs ?? 0) + (args.durationMs ?? 0) + (args.holdMs ?? 0) + SLACK_MS;
  const killer = setTimeout(() => child.kill('SIGKILL'), budgetMs);

  const result = new Promise<LoadgenResult>((resolve, reject) => {
    let last: LoadgenResult | undefined;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('CONNECTED ')) {
        const [, ready, failed] = line.split(' ');
        void hooks.onConnected?.({ ready: Number(ready), failed: Number(failed) });
      } else if (line === 'MEASURE_START') hooks.onMeasureStart?.();
      else if (line === 'MEASURE_END') hooks.onMeasureEnd?.();
      else if (line.startsWith('{')) last = JSON.parse(line) as LoadgenResult;
    });
    child.once('exit', (code) => {
      clearTimeout(killer);
      if (code === 0 && last) resolve(last);
      else reject(new Error(`loadgen exited with ${code}: ${stderr.trim() || 'no output'}`));
    });
  });
  return {
    result,
    release: () => {
      if (child.exitCode === null) child.stdin?.end('\n');
    },
  };
}

function toArgv(args: LoadgenArgs): string[] {
  const pairs: [string, string | number | undefined][] = [
    ['--mode', args.mode],
    ['--proto', args.protocol],
    ['--port', args.port],
    ['--path', args.path],
    ['--conns', args.conns],
    ['--msg', args.message],
    ['--msg-bytes', args.messageBytes],
    ['--binary', args.isBinary === undefined ? undefined : Number(args.isBinary)],
    ['--join', args.join],
    ['--bcast', args.broadcast],
    ['--depth', args.depth],
    ['--window', args.window],
    ['--rate', args.rate],
    ['--broadcast-rate', args.broadcastRate],
    ['--extensions', args.extensions],
    ['--deflated-hex', args.deflatedHex],
    ['--concurrency', args.concurrency],
    ['--warmup-ms', args.warmupMs],
    ['--duration-ms', args.durationMs],
    ['--hold-ms', args.holdMs],
    ['--connect-timeout-ms', args.connectTimeoutMs],
  ];
  return pairs.filter(([, value]) => value !== undefined).flatMap(([flag, value]) => [flag, String(value)]);
}
