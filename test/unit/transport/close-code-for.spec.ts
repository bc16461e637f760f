import { CloseCode } from '../../../lib/protocol/close-code';
import { ProtocolError } from '../../../lib/protocol/protocol-error';
import { closeCodeFor } from '../../../lib/transport/close-code-for';

describe('closeCodeFor', () => {
  it('keeps the close code a ProtocolError carries', () => {
    expect(closeCodeFor(new ProtocolError(CloseCode.InvalidPayload, 'INVALID_UTF8', 'bad text'))).toBe(1007);
    expect(closeCodeFor(new ProtocolError(CloseCode.MessageTooBig, 'MESSAGE_TOO_BIG', 'too big'))).toBe(1009);
    expect(closeCodeFor(new ProtocolError(CloseCode.ProtocolError, 'RESERVED_BITS', 'rsv'))).toBe(1002);
  });

  it('maps any other Error to 1011', () => {
    expect(closeCodeFor(new Error('boom'))).toBe(CloseCode.InternalError);
    expect(closeCodeFor(new TypeError('x is not a function'))).toBe(1011);
  });

  it('maps a thrown non-Error value to 1011', () => {
    expect(closeCodeFor('a string')).toBe(1011);
    expect(closeCodeFor(undefined)).toBe(1011);
    expect(closeCodeFor({ closeCode: 1000 })).toBe(1011);
  });
});
