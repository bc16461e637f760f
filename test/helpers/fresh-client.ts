// A well-behaved client that checks a server is still serving: handshake, one echo round trip,
// a clean close, all within a deadline. The adversarial suite runs it during and after each attack.
import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { WireReader } from './attack-socket';
import { OP, closePayload, encodeFrame } from './raw-frames';
import { upgradeRequest } from './raw-http';

export interface ProbeOptions {
  path: string;
  /** 'raw': a text echo; 'envelope': `{"event":"echo","data":…,"id":1}` answered with the same. */
  mode?: 'raw' | 'envelope';
  /** Connect from this loopback address (127.0.0.0/8), e.g. to stay clear of a per-address cap. */
  localAddress?: string;
  /** The whole exchange must finish within this; a hang becomes a failure. */
  deadlineMs?: number;
  headers?: Record<string, string | string[] | null>;
}

export interface ProbeResult {
  /** The HTTP status of the handshake answer. */
  status: number;
  /** From connect to the echo (101), or to the refusal (other statuses). */
  latencyMs: number;
}

const DEFAULT_DEADLINE_MS = 5000;

/**
 * Connects, upgrades and round-trips one message. Resolves with the status and latency; a refused
 * handshake resolves too (the caller decides whether a 503 is acceptable). Rejects on a deadline,
 * a wrong echo, or a connection that ends without an answer.
 */
export async function probe(port: number, options: ProbeOptions): Promise<ProbeResult> {
  const started = Date.now();
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const socket = connect({ host: '127.0.0.1', port, localAddress: options.localAddress });
  socket.setNoDelay(true);
  socket.on('error', () => undefined); // reported as a close without an answer
  try {
    return await withDeadline(exchange(socket, port, options, started), deadlineMs, `${options.path}: no complete echo round trip`);
  } finally {
    socket.destroy();
  }
}

/** Like probe(), but requires the 101 and the echo. */
export async function expectServed(port: number, options: ProbeOptions): Promise<number> {
  const result = await probe(port, options);
  if (result.status !== 101) throw new Error(`${options.path}: a fresh client got HTTP ${result.status} instead of 101`);
  return result.latencyMs;
}

async function exchange(socket: Socket, port: number, options: ProbeOptions, started: number): Promise<ProbeResult> {
  const reader = new WireReader(socket);
  socket.write(upgradeRequest(port, randomBytes(16).toString('base64'), { path: options.path, headers: options.headers }));
  const head = await reader.head();
  if (head.statusCode !== 101) return { status: head.statusCode, latencyMs: Date.now() - started };
  const token = `probe-${randomBytes(6).toString('hex')}`;
  const message = options.mode === 'envelope' ? JSON.stringify({ event: 'echo', data: token, id: 1 }) : token;
  socket.write(encodeFrame({ opcode: OP.text, payload: message }));
  const echo = await reader.frame();
  const text = echo.payload.toString('utf8');
  if (echo.opcode !== OP.text || text !== message) throw new Error(`${options.path}: expected the echo ${message}, got opcode ${echo.opcode} ${text.slice(0, 120)}`);
  const latencyMs = Date.now() - started;
  socket.write(encodeFrame({ opcode: OP.close, payload: closePayload(1000) }));
  const close = await reader.frame();
  if (close.opcode !== OP.close) throw new Error(`${options.path}: expected the close echo, got opcode ${close.opcode}`);
  return { status: 101, latencyMs };
}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
