// Fuzz target: the server-role FrameParser with permessage-deflate negotiated, so RSV1 may mark the
// first frame of a data message and messages come out as 'compressed' (RFC 7692 §6). Same input
// format and invariants as frame-parser.fuzz.ts.
import { checkFrameParser } from './frame-parser.fuzz';

export function fuzz(data: Buffer): void {
  checkFrameParser(data, true);
}
