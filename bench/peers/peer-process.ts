import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { track } from '../system/child-processes';
import { Pinning } from '../system/cpu-pinning';
import { withRaisedFdLimit } from '../system/fd-limit';
import { LOG_DIR, PEERS_DIST_DIR } from '../system/paths';
import { PEER_SCRIPTS, PeerName } from './peer-catalog';
import { READY_LINE } from './peer-env';

const READY_TIMEOUT_MS = 30_000;
const EXIT_GRACE_MS = 5_000;

export interface PeerOptions {
  pinning: Pinning;
  /** Extra node flags, e.g. --cpu-prof for a profile. */
  nodeFlags?: string[];
}

/** A peer server process, started on its own loopback port. */
export interface RunningPeer {
  name: PeerName;
  pid: number;
  port: number;
  /** Closes its stdin (it exits, writing a --cpu-prof profile), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

export async function startPeer(name: PeerName, port: number, options: PeerOptions): Promise<RunningPeer> {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(join(LOG_DIR, `${name}-${port}.log`));
  const node = [...(options.nodeFlags ?? []), join(PEERS_DIST_DIR, PEER_SCRIPTS[name])];
  const raised = withRaisedFdLimit(process.execPath, node);
  const { command, args } = options.pinning.wrap('server', raised.command, raised.args);
  const child = track(spawn(command, args, { env: { ...process.env, PORT: String(port), NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] }));
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer ${name} not ready after ${READY_TIMEOUT_MS} ms (see ${LOG_DIR})`)), READY_TIMEOUT_MS);
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      if (seen.includes(READY_LINE)) return;
      seen += chunk.toString();
      if (seen.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`peer ${name} exited with ${code} before it was ready (see ${LOG_DIR})`));
    });
  });

  const pid = child.pid as number;
  return {
    name,
    pid,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}
