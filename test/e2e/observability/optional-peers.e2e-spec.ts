// prom-client, @nestjs/terminus and @opentelemetry/api are optional peers: an application without
// them starts, and asking for what needs one of them fails at start with the package to install.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..', '..');
const CHILD = join(__dirname, 'without-optional-peers.child.ts');

interface ChildReport {
  started: boolean;
  gateways?: number;
  health?: Record<string, { status: string }>;
  message?: string;
}

const runWithoutPeers = async (mode: 'plain' | 'tracing' | 'metrics'): Promise<ChildReport> => {
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', './test/helpers/swc-register.cjs', CHILD, mode], { cwd: ROOT, timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildReport;
};

jest.setTimeout(60_000);

describe('without the optional peer dependencies installed', () => {
  it('starts an application with gateways, stats and the health indicator', async () => {
    expect(await runWithoutPeers('plain')).toEqual({
      started: true,
      gateways: 5,
      health: { websocket: { status: 'up', isServing: true, connections: 0, adapterConnected: true } },
    });
  });

  it('refuses to start with tracing: true, naming @opentelemetry/api', async () => {
    expect(await runWithoutPeers('tracing')).toEqual({
      started: false,
      message: 'WebSocketModule: `tracing: true` needs the optional peer dependency @opentelemetry/api (npm install @opentelemetry/api)',
    });
  });

  it('refuses to start with WebSocketMetricsModule, naming prom-client', async () => {
    expect(await runWithoutPeers('metrics')).toEqual({
      started: false,
      message: 'WebSocketMetricsModule needs the optional peer dependency prom-client (npm install prom-client)',
    });
  });
});
