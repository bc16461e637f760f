import { createHash, randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { BROWSER_HEADERS, LOOPBACK, nowNs } from '../wire';
import { ByteMeter, deliveryOf, OnDelivery, PushClient } from './push-client';

/** RFC 6455 §1.3. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = '\r\n\r\n';

/**
 * A minimal RFC 6455 client over a raw socket, so that every byte is counted: the upgrade
 * request a browser would send, then unmasked server frames (§5.1). Pings get masked pongs.
 */
export class WsPushClient implements PushClient {
  requests = 0;
  readonly emptyAnswers = 0;
  setupBytes: number | undefined;
  private socket: Socket | undefined;
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly port: number,
    private readonly meter: ByteMeter,
    private readonly onDelivery: OnDelivery,
  ) {}

  start(): Promise<void> {
    const key = randomBytes(16).toString('base64');
    const expectedAccept = createHash('sha1').update(key + GUID).digest('base64');
    const request = [
      'GET /feed HTTP/1.1',
      `Host: ${LOOPBACK}:${this.port}`,
      'Connection: Upgrade',
      'Pragma: no-cache',
      'Cache-Control: no-cache',
      `User-Agent: ${BROWSER_HEADERS['User-Agent']}`,
      'Upgrade: websocket',
      `Origin: http://${LOOPBACK}:${this.port}`,
      'Sec-WebSocket-Version: 13',
      `Accept-Encoding: ${BROWSER_HEADERS['Accept-Encoding']}`,
      `Accept-Language: ${BROWSER_HEADERS['Accept-Language']}`,
      `Sec-WebSocket-Key: ${key}`,
      // Chrome offers compression; the gateway leaves perMessageDeflate off (the default) and declines it.
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
    ].join('\r\n') + HEAD_END;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: LOOPBACK, port: this.port, noDelay: true });
      this.socket = socket;
      this.meter.track(socket);
      socket.once('error', reject);
      socket.once('connect', () => {
        this.requests++;
        socket.write(request);
      });
      let head = Buffer.alloc(0);
      const onHead = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEAD_END);
        if (end === -1) return;
        socket.off('data', onHead);
        const text = head.subarray(0, end).toString('latin1');
        if (!text.startsWith('HTTP/1.1 101 ') || !text.includes(`\r\nSec-WebSocket-Accept: ${expectedAccept}`)) {
          return reject(new Error(`WebSocket upgrade refused: ${text.split('\r\n')[0]}`));
        }
        this.setupBytes = Buffer.byteLength(request) + end + HEAD_END.length;
        socket.on('data', (data: Buffer) => this.onData(data));
        const rest = head.subarray(end + HEAD_END.length);
        if (rest.length > 0) this.onData(rest);
        resolve();
      };
      socket.on('data', onHead);
    });
  }

  stop(): void {
    this.socket?.destroy();
  }

  private onData(chunk: Buffer): void {
    const receivedAtNs = nowNs();
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const frame = readFrame(this.pending);
      if (!frame) return;
      this.pending = this.pending.subarray(frame.end);
      if (frame.opcode === 0x1) this.onDelivery(deliveryOf(frame.payload.toString('utf8'), receivedAtNs));
      else if (frame.opcode === 0x9) this.socket?.write(maskedFrame(0xa, frame.payload));
      else if (frame.opcode === 0x8) this.socket?.end(maskedFrame(0x8, frame.payload.subarray(0, 2)));
      else throw new Error(`unexpected frame with opcode ${frame.opcode}`);
    }
  }
}

/** One whole server frame (§5.2), or undefined when more bytes are needed. Server frames are never masked. */
function readFrame(bytes: Buffer): { opcode: number; payload: Buffer; end: number } | undefined {
  if (bytes.length < 2) return undefined;
  if ((bytes[0] & 0x80) === 0 || (bytes[1] & 0x80) !== 0) throw new Error('expected a final, unmasked frame from the server');
  let length = bytes[1] & 0x7f;
  let start = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    start = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    start = 10;
  }
  if (bytes.length < start + length) return undefined;
  return { opcode: bytes[0] & 0x0f, payload: bytes.subarray(start, start + length), end: start + length };
}

/** A masked client control frame (§5.3): payloads here are at most 125 bytes. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const maskKey = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ maskKey[i % 4]));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | masked.length]), maskKey, masked]);
}
