// The misbehaving gateways (test/fixtures/gateways/misbehaving-server.ts) in a child process: its
// ports, the faults its process-wide listeners saw, the error lines it logged, and a clean stop.
// A crash of that process fails every wait below with "exited".
import type { ErrorLine, ServerMessage, ServerRequest } from '../fixtures/gateways/misbehaving-server';
import type { HookFailure } from '../fixtures/gateways/misbehaving.gateway';
import { spawnTsChild, TsChild } from './ts-child';

/** Starting Nest in a fresh process compiles the sources first: allow for a slow machine. */
const START_WAIT_MS = 60_000;
const REPLY_WAIT_MS = 10_000;

export interface MisbehavingServer {
  pid: number;
  /** Starts one more application in the same process; resolves with its port. */
  startApp(afterInitFailure?: HookFailure, closeTimeoutMs?: number): Promise<number>;
  /** The members of `room` in the application on `port`. */
  members(port: number, room: string): Promise<string[]>;
  /** Resolves once app.close() of the application on `port` has resolved. */
  closeApp(port: number): Promise<void>;
  /** Uncaught exceptions and unhandled rejections, and the error lines logged, since the last report. */
  report(): Promise<{ faults: string[]; errors: ErrorLine[] }>;
  /** Resolves with the first error line containing `includes` (logged already or later). */
  errorLogged(includes: string): Promise<ErrorLine>;
  /** Resolves once the dispatcher has finished with `name` (`Gateway:event`) and none of its endless Observables is subscribed. */
  streamIdle(name: string): Promise<void>;
  /** Closes every application and waits for the process to exit; kills it by PID if it does not. */
  stop(): Promise<void>;
}

export function startMisbehavingServer(): MisbehavingServer {
  const child: TsChild<ServerRequest, ServerMessage> = spawnTsChild('test/fixtures/gateways/misbehaving-server.ts', []);
  const ask = async <T extends ServerMessage['type']>(request: ServerRequest, type: T, waitMs = REPLY_WAIT_MS): Promise<Extract<ServerMessage, { type: T }>> => {
    const reply = child.next(type, waitMs);
    child.send(request);
    return reply;
  };
  return {
    pid: child.pid,
    async startApp(afterInitFailure, closeTimeoutMs) {
      return (await ask({ type: 'start', afterInitFailure, closeTimeoutMs }, 'listening', START_WAIT_MS)).port;
    },
    async members(port, room) {
      return (await ask({ type: 'members', port, room }, 'members')).members;
    },
    async closeApp(port) {
      await ask({ type: 'close-app', port }, 'app-closed');
    },
    report: () => ask({ type: 'report' }, 'report'),
    async errorLogged(includes) {
      return (await ask({ type: 'await-error', includes }, 'error-logged')).line;
    },
    async streamIdle(name) {
      await ask({ type: 'stream-idle', name }, 'stream-idle');
    },
    async stop() {
      child.send({ type: 'close' });
      await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, REPLY_WAIT_MS).unref())]);
      await child.kill();
    },
  };
}
