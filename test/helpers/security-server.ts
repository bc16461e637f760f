// The security app (test/fixtures/security/) in a child process: its port, its memory after a
// full GC, its connection and socket counts, and a graceful or forced stop.
import type { SecurityProfile } from '../fixtures/security/security-app';
import type { ServerMemory, ServerMessage, ServerRequest, ServerStats } from '../fixtures/security/security-server';
import { spawnTsChild, TsChild } from './ts-child';

/** Starting Nest in a fresh process compiles the sources first: allow for a slow machine. */
const START_WAIT_MS = 60_000;
const REPLY_WAIT_MS = 15_000;

export interface SecurityServer {
  port: number;
  /** The own-port gateway's port ('attack' profile only). */
  ownPort: number | undefined;
  pid: number;
  /** Memory after two full GCs; `resetPeak` starts a new peak measurement after it. */
  memory(options?: { resetPeak?: boolean }): Promise<ServerMemory>;
  stats(): Promise<ServerStats>;
  /** Polls stats until `until` holds or `waitMs` passes; returns the last stats either way. */
  waitForStats(until: (stats: ServerStats) => boolean, waitMs: number): Promise<ServerStats>;
  /** Starts app.close() (resolves once the app says it is closing); `exited` resolves when the process is gone. */
  beginClose(): Promise<void>;
  exited: Promise<unknown>;
  /** Kills the process by PID if it is still there. */
  stop(): Promise<void>;
}

/**
 * The attacks' RSS bounds are about what the server holds, so V8's young generation is kept at a
 * fixed size: left adaptive, it grows by up to 16 MiB per semi-space under a high allocation rate
 * (262,592 one-byte reads: +9 or +21 MiB of peak RSS at one commit, run to run, with the heap held
 * at +0.6 MiB; +4 to +5 MiB with the cap), which no connection keeps.
 */
const SERVER_NODE_FLAGS = ['--expose-gc', '--max-semi-space-size=1'];

export async function startSecurityServer(profile: SecurityProfile): Promise<SecurityServer> {
  const child: TsChild<ServerRequest, ServerMessage> = spawnTsChild('test/fixtures/security/security-server.ts', [profile], SERVER_NODE_FLAGS);
  let listening: Extract<ServerMessage, { type: 'listening' }>;
  try {
    listening = await child.next('listening', START_WAIT_MS);
  } catch (error) {
    await child.kill();
    throw error;
  }
  const stats = async (): Promise<ServerStats> => {
    const reply = child.next('stats', REPLY_WAIT_MS);
    child.send({ type: 'stats' });
    return reply;
  };
  return {
    port: listening.port,
    ownPort: listening.ownPort,
    pid: child.pid,
    async memory({ resetPeak = false } = {}) {
      const reply = child.next('memory', REPLY_WAIT_MS);
      child.send({ type: 'memory', resetPeak });
      return reply;
    },
    stats,
    async waitForStats(until, waitMs) {
      const deadline = Date.now() + waitMs;
      let last = await stats();
      while (!until(last) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        last = await stats();
      }
      return last;
    },
    async beginClose() {
      const closing = child.next('closing', REPLY_WAIT_MS);
      child.send({ type: 'close' });
      await closing;
    },
    exited: child.exited,
    stop: () => child.kill(),
  };
}
