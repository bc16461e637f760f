// The curl command line as a client (e.g. `curl --http2`, which offers h2c), for specs that need a
// real third-party client. useCurl() kills any curl still running after each test.
import { ChildProcess, execFile } from 'node:child_process';
import { once } from 'node:events';

export interface CurlResult {
  exitCode: number;
  /** stdout: with --include, the status line and headers, then the body. */
  output: string;
}

export function useCurl(): (...args: string[]) => Promise<CurlResult> {
  const running = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of running) child.kill();
    running.clear();
  });
  return async (...args) => {
    const child = execFile('curl', ['--silent', '--show-error', '--include', ...args], { encoding: 'utf8' });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (chunk: string) => (output += chunk));
    const [exitCode] = (await once(child, 'exit')) as [number];
    running.delete(child);
    return { exitCode, output };
  };
}
