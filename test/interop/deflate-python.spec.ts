import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { EchoServer, startEchoServer } from '../fixtures/echo-server';

// Python `websockets` (Debian's python3-websockets, run by Debian's /usr/bin/python3, never a
// pyenv one) compresses with its own permessage-deflate: it must agree with our /echo on the
// parameters and get every message back byte for byte. A missing package fails the suite.

const PYTHON = '/usr/bin/python3';
const CLIENT = join(__dirname, 'python', 'echo_client.py');
const RUN_WAIT_MS = 45_000;
/** The sizes echo_client.py sends, as text and as binary, then one fragmented text message. */
const SIZES = [0, 1, 125, 1023, 1024, 4096, 65536, 1 << 20];

jest.setTimeout(60_000);

interface Echo {
  kind: string;
  size: number;
  reply_kind: 'text' | 'binary';
  same: boolean;
  sent_sha256: string;
  reply_sha256: string;
}

interface Run {
  label: 'default' | 'windows';
  response_extensions: string | null;
  extensions: { name: string; local_no_context_takeover: boolean; remote_no_context_takeover: boolean; local_max_window_bits: number; remote_max_window_bits: number }[];
  echoes: Echo[];
}

interface Output {
  websockets: string;
  python: string;
  runs: Run[];
}

/** Runs `/usr/bin/python3 -I args…` and resolves with its stdout; the process is killed by PID if it hangs. */
const python = (args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    // -I: isolated mode, no PYTHON* variables and no user site: only Debian's dist-packages.
    const child = spawn(PYTHON, ['-I', ...args], { env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, RUN_WAIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${PYTHON} ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
    });
  });

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

describe('interop: Python websockets with permessage-deflate against /echo', () => {
  let server: EchoServer;
  let output: Output;

  beforeAll(async () => {
    await python(['-c', 'import websockets']).catch((error: Error) => {
      throw new Error(
        `Debian's python3-websockets is missing for ${PYTHON} (apt-get install -y python3-websockets; test/setup/ensure-system-deps.sh does it):\n${error.message}`,
      );
    });
    server = await startEchoServer();
    output = JSON.parse(await python([CLIENT, `${server.url}/echo`])) as Output;
    console.log(`Python ${output.python}, websockets ${output.websockets}`);
  }, RUN_WAIT_MS + 15_000);
  afterAll(async () => {
    await server?.close();
  });

  const run = (label: Run['label']): Run => {
    const found = output.runs.find((each) => each.label === label);
    if (!found) throw new Error(`echo_client.py reported no "${label}" run`);
    return found;
  };

  it('uses the websockets of Debian’s python3-websockets', () => {
    expect(output.websockets).toMatch(/^\d+\.\d+/);
  });

  it('agrees on permessage-deflate with the client’s default offer: no context takeover either way, 15-bit windows', () => {
    const { response_extensions: header, extensions } = run('default');

    expect(header).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    expect(extensions).toEqual([
      { name: 'permessage-deflate', local_no_context_takeover: true, remote_no_context_takeover: true, local_max_window_bits: 15, remote_max_window_bits: 15 },
    ]);
  });

  it('agrees on the windows the client asks for: server_max_window_bits=11, client_max_window_bits=9', () => {
    const { response_extensions: header, extensions } = run('windows');

    expect(header).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=9');
    expect(extensions).toEqual([
      { name: 'permessage-deflate', local_no_context_takeover: true, remote_no_context_takeover: true, local_max_window_bits: 9, remote_max_window_bits: 11 },
    ]);
  });

  const cases = (['default', 'windows'] as const).flatMap((label) =>
    [...SIZES.flatMap((size) => (['text', 'binary'] as const).map((kind) => [kind, size] as const)), ['fragmented text', 8010] as const].map(
      ([kind, size]) => [label, kind, size] as const,
    ),
  );

  it.each(cases)('echoes, on the %s connection, a %s message of %d bytes byte for byte', (label, kind, size) => {
    const echo = run(label).echoes.find((each) => each.kind === kind && each.size === size);

    expect(echo).toMatchObject({ reply_kind: kind === 'binary' ? 'binary' : 'text', same: true });
    expect(echo?.reply_sha256).toBe(echo?.sent_sha256);
  });

  it('sent exactly the cases listed here, so none went unchecked', () => {
    expect(output.runs.map((each) => each.echoes.length)).toEqual([SIZES.length * 2 + 1, SIZES.length * 2 + 1]);
    expect(sha256('')).toBe(run('default').echoes.find((each) => each.size === 0 && each.kind === 'text')?.reply_sha256);
  });
});
