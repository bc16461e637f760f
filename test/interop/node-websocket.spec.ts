import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { useTransportHarness } from '../helpers/transport-harness';

const CLIENT = join(__dirname, 'node-websocket', 'echo-client.mjs');
const MiB = 1 << 20;
/** What the sample's /echo takes (DESIGN.md: conformance suites send that much). */
const ECHO_MAX_MESSAGE_BYTES = 16 * MiB;

type ClientLine =
  | { extensions: string }
  | { case: string; isEqual: boolean; receivedBytes: number }
  | { case: string; error: string }
  | { closed: { code: number; wasClean: boolean } };

/** Runs Node's built-in WebSocket (undici, a flag on Node 20) in a child process and collects what it reports. */
async function runNodeClient(url: string, cases: readonly string[]): Promise<ClientLine[]> {
  const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', CLIENT, url, ...cases], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ClientLine);
}

/**
 * Node's own WebSocket (undici 6 on Node 20, what `new WebSocket()` is in Node code) against a raw
 * echo with /echo's options and permessage-deflate. undici 6 fails the connection (1006) when a
 * message inflates past 4 MiB, so larger messages go out uncompressed (RSV1 is per message, RFC 7692 §6).
 */
describe("interop: Node's built-in WebSocket with permessage-deflate against a raw echo", () => {
  const harness = useTransportHarness();

  it('echoes text and binary messages from 0 B to 8 MiB byte for byte, then closes cleanly with 1000', async () => {
    const server = await harness.start({
      routes: [
        {
          path: '/echo',
          perMessageDeflate: {},
          connection: { maxMessageBytes: ECHO_MAX_MESSAGE_BYTES, maxBufferedBytes: 64 * MiB },
          onConnection: (connection) => void connection.on('message', (data) => connection.send(data)),
        },
      ],
    });
    const sizes = [0, 1024, 65_536, MiB, 4 * MiB, 4 * MiB + 1, 8 * MiB];
    const cases = sizes.flatMap((size) => [`text:${size}`, `binary:${size}`]);

    const lines = await runNodeClient(`ws://127.0.0.1:${server.port}/echo`, cases);

    expect(lines[0]).toEqual({ extensions: expect.stringMatching(/^permessage-deflate/) });
    expect(lines.slice(1, -1)).toEqual(sizes.flatMap((size) => ['text', 'binary'].map((kind) => ({ case: `${kind}:${size}`, isEqual: true, receivedBytes: size }))));
    expect(lines.at(-1)).toEqual({ closed: { code: 1000, wasClean: true } });
  }, 60_000);
});
