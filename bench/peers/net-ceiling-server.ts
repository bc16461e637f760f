// Peer: the ceiling for any Node server. node:net, the RFC 6455 handshake, and an echo that
// unmasks each frame and re-frames it into one buffer written once per read. No validation.
import { createHash } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { exitWithParent, LOOPBACK, peerPort, READY_LINE } from './peer-env';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455 §1.3
const HEAD_END = Buffer.from('\r\n\r\n');

function acceptKey(request: string): string | undefined {
  const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1];
  return key && createHash('sha1').update(key + GUID).digest('base64');
}

/** Bytes of the whole frame starting at `at`, or 0 while its header is incomplete. */
function frameBytesAt(input: Buffer, at: number): number {
  if (input.length - at < 2) return 0;
  const length7 = input[at + 1] & 0x7f;
  if (length7 < 126) return 6 + length7;
  if (length7 === 126) return input.length - at < 4 ? 0 : 8 + input.readUInt16BE(at + 2);
  return input.length - at < 10 ? 0 : 14 + Number(input.readBigUInt64BE(at + 2));
}

/** Echoes every complete frame in `input`; returns the bytes of an incomplete last frame. */
function echoFrames(socket: Socket, input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let read = 0;
  let written = 0;
  while (input.length - read >= 6) {
    const b0 = input[read];
    let length = input[read + 1] & 0x7f;
    let at = read + 2;
    if (length === 126) {
      length = input.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (input.length - read < 14) break;
      length = Number(input.readBigUInt64BE(at));
      at += 8;
    }
    if (input.length < at + 4 + length) break;
    const maskAt = at;
    at += 4;
    if ((b0 & 0x0f) === 0x8) {
      socket.end(Buffer.from([0x88, 0x00]));
      return Buffer.alloc(0);
    }
    // The server's header is at most 4 bytes shorter than the client's (no mask key).
    out[written++] = b0;
    if (length < 126) out[written++] = length;
    else if (length <= 0xffff) {
      out[written++] = 126;
      written = out.writeUInt16BE(length, written);
    } else {
      out[written++] = 127;
      written = out.writeBigUInt64BE(BigInt(length), written);
    }
    for (let i = 0; i < length; i++) out[written + i] = input[at + i] ^ input[maskAt + (i & 3)];
    written += length;
    read = at + length;
  }
  if (written > 0) socket.write(out.subarray(0, written));
  return input.subarray(read);
}

function onSocket(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  // A frame that spans reads: its chunks are joined once it is whole, not on every read (1 MiB takes 16).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let neededBytes = 0;
  let isOpen = false;
  const keep = (rest: Buffer): void => {
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    neededBytes = isOpen ? frameBytesAt(rest, 0) : 0;
  };
  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < neededBytes) return;
    const input = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    if (isOpen) return keep(echoFrames(socket, input));
    const end = input.indexOf(HEAD_END);
    if (end < 0) return keep(input);
    const key = acceptKey(input.toString('latin1', 0, end));
    if (!key) return void socket.destroy();
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${key}\r\n\r\n`);
    isOpen = true;
    keep(echoFrames(socket, input.subarray(end + 4)));
  });
}

createServer(onSocket).listen(peerPort(), LOOPBACK, () => console.log(READY_LINE));
exitWithParent();
