// A cluster primary's stand-in for tests: an IpcHub serving the IpcAdapters of its parent process
// (the test), so every publish, store write and query crosses a process boundary. It exits when
// the parent disconnects.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { IpcHub } from '../../lib/adapters/ipc/ipc-hub';
import { parentPort } from '../../lib/adapters/ipc/ipc-port';

const READY = 'ipc-hub-ready';
const REGISTER = join(__dirname, 'swc-register.cjs');

export interface HubProcess {
  /** The test's end of the channel: pass it to `new IpcAdapter({ port })`. */
  channel: ChildProcess;
  stop(): Promise<void>;
}

export async function startHubProcess(): Promise<HubProcess> {
  const channel = fork(__filename, [], { execArgv: ['-r', REGISTER], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(channel, 'exit');
  const [message] = await Promise.race([once(channel, 'message'), exited.then(() => [undefined])]);
  if (message !== READY) throw new Error(`the hub process did not start (${String(message)})`);
  return {
    channel,
    async stop() {
      if (channel.exitCode !== null || channel.signalCode !== null) return;
      channel.disconnect(); // the hub's only port closes, and nothing else keeps it alive
      await exited;
    },
  };
}

if (require.main === module) {
  const port = parentPort();
  if (!port) throw new Error('ipc-hub-process runs as a forked child');
  new IpcHub().attach(port);
  port.send(READY);
}
