// Node's own WebSocket (undici, behind --experimental-websocket on Node 20) against an echo URL:
// sends each case, checks the echo byte for byte against what it sent, then closes with 1000.
// Prints one JSON line per case and one for the close: { case, size, isEqual, receivedBytes } / { closed: { code, wasClean } }.
// Usage: node --experimental-websocket echo-client.mjs ws://host:port/path text:1024 binary:8388608 ...
const [url, ...cases] = process.argv.slice(2);
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');

/** Compressible content (so permessage-deflate has something to do), different at every offset. */
const binaryOf = (size) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i % 251) & (i >> 12);
  return bytes;
};
const textOf = (size) => 'aé€😀'.repeat(Math.floor(size / 10)) + 'x'.repeat(size % 10);

const socket = new WebSocket(url);
socket.binaryType = 'arraybuffer';
const closed = new Promise((resolve) => socket.addEventListener('close', ({ code, wasClean }) => resolve({ code, wasClean })));
const nextMessage = () =>
  new Promise((resolve, reject) => {
    socket.addEventListener('message', ({ data }) => resolve(data), { once: true });
    closed.then((event) => reject(new Error(`closed ${event.code} before the echo`)));
  });

await new Promise((resolve, reject) => {
  socket.addEventListener('open', resolve, { once: true });
  socket.addEventListener('error', () => reject(new Error('did not open')), { once: true });
});
print({ extensions: socket.extensions });
for (const spec of cases) {
  const [kind, sizeText] = spec.split(':');
  const size = Number(sizeText);
  const sent = kind === 'text' ? textOf(size) : binaryOf(size);
  const echo = nextMessage();
  socket.send(sent);
  try {
    const data = await echo;
    const isEqual = kind === 'text' ? data === sent : Buffer.from(data).equals(Buffer.from(sent));
    print({ case: spec, isEqual, receivedBytes: kind === 'text' ? Buffer.byteLength(data) : data.byteLength });
  } catch (error) {
    print({ case: spec, error: String(error) });
    break;
  }
}
if (socket.readyState === WebSocket.OPEN) socket.close(1000);
print({ closed: await closed });
