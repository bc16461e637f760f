// A worker that stops reading its channel (stopped, or its event loop stuck) while another floods
// its room: what the primary holds for it is bounded in bytes, not only in messages (a frame may be
// a MiB), and every frame it could not hold is counted: delivered + undelivered = published.
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { IpcHub } from '../../../lib/adapters/ipc/ipc-hub';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
const PEER = join(ROOT, 'test', 'fixtures', 'cluster', 'ipc-peer.main.ts');

const children: ChildProcess[] = [];

function startPeer(): ChildProcess {
  const child = fork(PEER, [], { execArgv: ['-r', REGISTER], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

/** Sends an app message and waits for the peer's answer of that name. */
async function ask(child: ChildProcess, message: { app: string } & Record<string, unknown>, answer: string): Promise<Record<string, unknown>> {
  const answered = new Promise<Record<string, unknown>>((resolve) => {
    const onMessage = (reply: { app?: string }): void => {
      if (reply.app !== answer) return;
      child.off('message', onMessage);
      resolve(reply as Record<string, unknown>);
    };
    child.on('message', onMessage);
  });
  child.send(message);
  return answered;
}

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    process.kill(child.pid, 'SIGKILL');
    await exited;
  }
});

describe('IpcHub with a worker that stops reading', () => {
  it('holds at most maxPendingBytes for it, and counts each frame it dropped', async () => {
    const maxPendingBytes = 4 << 20;
    const [count, bytes] = [64, 256 << 10]; // 16 MiB for the stalled worker, in far fewer than maxPendingMessages
    const hub = new IpcHub({ maxPendingBytes });
    const [stalled, flooder] = [startPeer(), startPeer()];
    hub.attach(stalled);
    hub.attach(flooder);
    await ask(stalled, { app: 'join', node: 'stalled', room: 'r' }, 'joined');
    await ask(flooder, { app: 'join', node: 'flooder', room: 'other' }, 'joined');

    process.kill(stalled.pid as number, 'SIGSTOP');
    await ask(flooder, { app: 'flood', room: 'r', count, bytes }, 'flooded');
    const dropped = hub.undelivered;
    process.kill(stalled.pid as number, 'SIGCONT');
    const { delivered } = await ask(stalled, { app: 'report' }, 'report');

    expect(dropped).toBeGreaterThan(0);
    expect((delivered as number) + dropped).toBe(count);
    // What reached it is what the primary held (at most maxPendingBytes) plus what the channel's kernel buffer took.
    expect((delivered as number) * bytes).toBeLessThan(maxPendingBytes + (4 << 20));
  });
});
