import { isUtf8 } from 'node:buffer';
import { CloseCode, isValidWireCloseCode } from './close-code';
import { ProtocolError } from './protocol-error';

/** §5.5: a control payload is at most 125 bytes; the code takes 2 of them. */
export const MAX_CLOSE_REASON_BYTES = 123;

export interface ClosePayload {
  code: number;
  reason: string;
}

/**
 * §5.5.1, §7.4: an empty payload means "no status" (reported as 1005, never sent);
 * otherwise a 2-byte code that may appear on the wire, then a UTF-8 reason.
 */
export function parseClosePayload(payload: Buffer): ClosePayload {
  if (payload.length === 0) return { code: CloseCode.NoStatus, reason: '' };
  if (payload.length === 1) {
    throw new ProtocolError(CloseCode.ProtocolError, 'INVALID_CLOSE_PAYLOAD', 'close frame payload of 1 byte');
  }
  const code = payload.readUInt16BE(0);
  if (!isValidWireCloseCode(code)) {
    throw new ProtocolError(CloseCode.ProtocolError, 'INVALID_CLOSE_CODE', `close code ${code} may not be sent`);
  }
  const reasonBytes = payload.subarray(2);
  if (!isUtf8(reasonBytes)) {
    throw new ProtocolError(CloseCode.InvalidPayload, 'INVALID_UTF8', 'close reason is not valid UTF-8');
  }
  return { code, reason: reasonBytes.toString('utf8') };
}

/** The payload of a close frame we send. Code 1005 means "send no code at all" (§7.1.5). */
export function encodeClosePayload(code: number, reason = ''): Buffer {
  if (code === CloseCode.NoStatus) return Buffer.alloc(0);
  if (!isValidWireCloseCode(code)) throw new RangeError(`close code ${code} may not be sent (RFC 6455 §7.4)`);
  const reasonBytes = Buffer.byteLength(reason);
  if (reasonBytes > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`close reason is ${reasonBytes} bytes; at most ${MAX_CLOSE_REASON_BYTES} fit (RFC 6455 §5.5)`);
  }
  const payload = Buffer.allocUnsafe(2 + reasonBytes);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return payload;
}
