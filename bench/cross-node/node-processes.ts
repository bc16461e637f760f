import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { AddressInfo, createConnection, createServer } from 'node:net';
import { Brokers, CrossNodeTarget } from './cross-node-targets';

// A Nest sample starting on a loaded 2-core machine has taken more than 30 s.
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5000;
const running = new Set<ChildProcess>();

// Whatever happens to the driver, no node outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** N nodes of one target on free loopback ports; resolves once each accepts connections. */
export async function startNodes(target: CrossNodeTarget, count: number, brokers: Brokers): Promise<{ ports: number[]; pids: number[]; stop(): Promise<void> }> {
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [target.script], { env: target.env(port, brokers), stdio: ['pipe', 'ignore', 'inherit'] });
    running.add(child);
    children.push(child);
    ports.push(port);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(children.map(stopByPid));
  };
  try {
    await Promise.all(ports.map((port, i) => waitForListener(port, children[i])));
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, pids: children.map((child) => child.pid ?? NaN), stop };
}

async function stopByPid(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void running.delete(child);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

async function waitForListener(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`the node for port ${port} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
