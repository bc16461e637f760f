import { decodeEnvelope, encodeEnvelope, errorBodyOf } from '../../../lib/client/envelope';

describe('the client envelope', () => {
  it('encodes an emit without an id and a request with one', () => {
    expect(encodeEnvelope('say', { text: 'hi' })).toBe('{"event":"say","data":{"text":"hi"}}');
    expect(encodeEnvelope('join', { room: 'lobby' }, 7)).toBe('{"event":"join","data":{"room":"lobby"},"id":7}');
  });

  it('decodes {event, data, id}', () => {
    expect(decodeEnvelope('{"event":"join","data":{"room":"lobby"},"id":7}')).toEqual({ event: 'join', data: { room: 'lobby' }, id: 7 });
  });

  it('refuses text that is not an envelope: bad JSON, no event name, or an id that is neither string nor number', () => {
    expect(decodeEnvelope('not json')).toBeUndefined();
    expect(decodeEnvelope('"join"')).toBeUndefined();
    expect(decodeEnvelope('null')).toBeUndefined();
    expect(decodeEnvelope('{"data":1}')).toBeUndefined();
    expect(decodeEnvelope('{"event":"x","id":{}}')).toBeUndefined();
  });

  it('reads an error body as the server sent it', () => {
    expect(errorBodyOf({ event: 'say', code: 'NOT_A_MEMBER', message: 'no', details: { room: 'r' } })).toEqual({
      event: 'say',
      code: 'NOT_A_MEMBER',
      message: 'no',
      details: { room: 'r' },
    });
  });

  it('fills in an error body that lacks what the contract promises', () => {
    expect(errorBodyOf(undefined)).toEqual({ code: 'UNKNOWN', message: 'the server answered with an error' });
    expect(errorBodyOf({ code: 42 })).toEqual({ code: 'UNKNOWN', message: 'the server answered with an error' });
  });
});
