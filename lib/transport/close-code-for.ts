import { CloseCode } from '../protocol/close-code';
import { ProtocolError } from '../protocol/protocol-error';

/** The one translator from an error to the close code the peer sees: protocol faults keep theirs, anything else is 1011. */
export const closeCodeFor = (error: unknown): CloseCode =>
  error instanceof ProtocolError ? error.closeCode : CloseCode.InternalError;
