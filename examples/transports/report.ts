import { cpus, release, totalmem } from 'node:os';
import { Plan } from './options';

/** One transport's figures over the measured window, every client together. */
export interface TransportResult {
  label: string;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  jsonBytesPerMessage: number;
  downBytesPerMessage: number;
  upBytesPerMessage: number;
  requestsPerMessage: number;
  /** Polling: bytes of one request/response exchange, both ways, on average. */
  bytesPerRequest: number | undefined;
  /** Polling: the share of answers that carried no message. */
  emptyAnswerShare: number;
  /** Mean over the clients; undefined for polling, whose every request is setup. */
  setupBytesPerConnection: number | undefined;
  /** Sequence numbers a client never got, or got twice (both should be 0). */
  lost: number;
  duplicated: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** `loadAverage`: the 1-minute load average when the run started; other work on the machine shows in the tails. */
export function machineLine(loadAverage: number): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${cores.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Linux ${release()}, load average ${loadAverage.toFixed(2)} at the start`;
}

export function commandLine(plan: Plan): string {
  return `npm run bench:transports${plan.args.length > 0 ? ` -- ${plan.args.join(' ')}` : ''}`;
}

const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0));
const bytes = (value: number | undefined): string => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));

export function markdownReport(plan: Plan, results: readonly TransportResult[], startedAt: Date, loadAverage: number): string {
  const json = results[0]?.jsonBytesPerMessage ?? 0;
  const lines = [
    `# Server push on loopback: WebSocket, SSE, long polling, short polling`,
    '',
    `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, \`${commandLine(plan)}\` on ${machineLine(loadAverage)}.`,
    '',
    `Each server publishes the same ${Math.round(json)}-byte JSON message (\`{"event":"said","data":{room,from,text,at,seq,sentAtNs}}\`) ` +
      `${plan.ratePerSecond} times a second to ${plan.clients} clients; ${plan.warmupMs / 1000} s warm-up, then ${plan.windowMs / 1000} s measured. ` +
      `Latency: from the server's clock when it published to the client's when the message was in hand (one monotonic clock, checked). ` +
      `Bytes: read and written by the client sockets in the window, over the messages delivered (HTTP request and status lines, headers, ` +
      `chunked encoding and frame headers included; TCP/IP headers not). Short polling asks every ${plan.pollIntervalMs} ms.`,
    '',
    '| transport | messages | p50 ms | p99 ms | max ms | bytes/msg ↓ | bytes/msg ↑ | bytes/msg total | overhead/msg | HTTP requests/msg | setup bytes/conn |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => {
      const total = r.downBytesPerMessage + r.upBytesPerMessage;
      return `| ${r.label} | ${r.messages.toLocaleString('en-US')} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.maxMs)} | ${bytes(r.downBytesPerMessage)} | ${bytes(r.upBytesPerMessage)} | ${bytes(total)} | ${bytes(total - r.jsonBytesPerMessage)} | ${r.requestsPerMessage.toFixed(2)} | ${bytes(r.setupBytesPerConnection)} |`;
    }),
    '',
  ];
  for (const r of results) {
    if (r.bytesPerRequest === undefined) continue;
    lines.push(`- ${r.label}: ${bytes(r.bytesPerRequest)} bytes per request/response exchange; ${(r.emptyAnswerShare * 100).toFixed(0)}% of the answers were empty.`);
  }
  lines.push('');
  const faults = results.filter((r) => r.lost > 0 || r.duplicated > 0);
  for (const r of faults) lines.push(`**${r.label}: ${r.lost} messages lost, ${r.duplicated} duplicated.**`, '');
  if (faults.length === 0) lines.push('Every client got every message once, in order.', '');
  return lines.join('\n');
}
