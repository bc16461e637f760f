import { ClusterMessage, ClusterMessageError, decodeClusterMessage, encodeClusterMessage } from '../../../../lib/adapters/redis/redis-message';
import { hex } from '../../../helpers/hex';
import { rawClusterMessage } from '../../../helpers/raw-cluster-message';

describe('cluster messages', () => {
  const frame = hex('81 02 68 69'); // text frame "hi", FIN set, unmasked

  it('carries a broadcast frame byte for byte, with its groups, exceptions and id', () => {
    const message = { kind: 'broadcast' as const, origin: 'node-a', groups: ['r:lobby', 'r:ops'], except: ['c1'], id: 'node-a:7', frame };

    const decoded = decodeClusterMessage(encodeClusterMessage(message));

    expect(decoded).toEqual(message);
    expect(decoded.kind === 'broadcast' && decoded.frame.equals(frame)).toBe(true);
  });

  it('ends with the frame itself, so receivers write a view of the message without copying', () => {
    const bytes = encodeClusterMessage({ kind: 'direct', origin: 'node-a', connectionId: 'c9', frame });

    expect(bytes.subarray(bytes.length - frame.length)).toEqual(frame);
  });

  it('carries membership changes with their presence metadata', () => {
    const message = { kind: 'membership' as const, origin: 'node-b', connectionId: 'c2', action: 'join' as const, room: 'lobby', meta: { name: 'ada' } };

    expect(decodeClusterMessage(encodeClusterMessage(message))).toEqual(message);
  });

  it('carries a membership change with the request id its node acknowledges, and the acknowledgement with its failure', () => {
    const change = { kind: 'membership' as const, origin: 'node-a', connectionId: 'c2', action: 'leave' as const, room: 'lobby', requestId: 'node-a:3' };
    const ack = { kind: 'ack' as const, origin: 'node-b', requestId: 'node-a:3', failure: 'no such room' };

    expect(decodeClusterMessage(encodeClusterMessage(change))).toEqual(change);
    expect(decodeClusterMessage(encodeClusterMessage(ack))).toEqual(ack);
  });

  it('carries a question to the nodes, its answer as JSON bytes, and a probe', () => {
    const question = { kind: 'question' as const, origin: 'node-a', requestId: 'node-a:4', question: 'roomsOf' as const, connectionId: 'c2' };
    const answer = { kind: 'answer' as const, origin: 'node-b', requestId: 'node-a:4', body: Buffer.from('["lobby"]') };
    const probe = { kind: 'probe' as const, origin: 'node-a', requestId: 'node-a:5' };

    expect(decodeClusterMessage(encodeClusterMessage(question))).toEqual(question);
    expect(decodeClusterMessage(encodeClusterMessage(answer))).toEqual(answer);
    expect(decodeClusterMessage(encodeClusterMessage(probe))).toEqual(probe);
  });

  it('carries messages posted to the HTTP fallback for a session of another node, as JSON bytes', () => {
    const posted = { kind: 'posted' as const, origin: 'node-a', requestId: 'node-a:6', connectionId: 'c3', body: Buffer.from('{"token":"t","messages":["{}"]}') };

    expect(decodeClusterMessage(encodeClusterMessage(posted))).toEqual(posted);
  });

  it('refuses a message of another version', () => {
    const bytes = encodeClusterMessage({ kind: 'direct', origin: 'node-a', connectionId: 'c9', frame });
    bytes[0] = 2;

    expect(() => decodeClusterMessage(bytes)).toThrow(ClusterMessageError);
  });

  it('refuses a header that claims more bytes than the message has', () => {
    expect(() => decodeClusterMessage(hex('01 00 00 00 ff 7b 7d'))).toThrow('header overruns');
  });
});

// A node of another version (or a corrupt message) may send any JSON in a field: each one comes out
// well typed or is refused as unreadable, never handed on to crash the receiving node's listener.
describe('cluster messages with a field of the wrong type', () => {
  const headers: Record<string, Record<string, unknown>> = {
    broadcast: { k: 'b', o: 'node-a', g: ['r:lobby'], x: ['c1'], i: 'node-a:1' },
    direct: { k: 'd', o: 'node-a', c: 'c1' },
    membership: { k: 'm', o: 'node-a', c: 'c1', a: 'join', r: 'lobby', m: { name: 'ada' }, q: 'node-a:2' },
    ack: { k: 'a', o: 'node-a', q: 'node-a:2', f: 'failed' },
    question: { k: 'q', o: 'node-a', q: 'node-a:3', p: 'roomsOf', c: 'c1' },
    answer: { k: 'n', o: 'node-b', q: 'node-a:3' },
    probe: { k: 'p', o: 'node-a', q: 'node-a:4' },
    posted: { k: 't', o: 'node-a', q: 'node-a:5', c: 'c1' },
  };
  const wrongValues: unknown[] = [5, true, null, {}, [], ['r:lobby', 7], 'r:lobby', { length: 1 }];
  const cells = Object.entries(headers).flatMap(([kind, header]) =>
    Object.keys(header)
      .filter((field) => field !== 'k')
      .flatMap((field) => wrongValues.map((value) => [kind, field, JSON.stringify(value), { ...header, [field]: value }] as const)),
  );
  const strings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');
  const optional = (value: unknown, type: string): boolean => value === undefined || typeof value === type;
  const isWellTyped = (message: ClusterMessage): boolean => {
    if (typeof message.origin !== 'string') return false;
    switch (message.kind) {
      case 'broadcast':
        return strings(message.groups) && strings(message.except) && optional(message.id, 'string');
      case 'direct':
        return typeof message.connectionId === 'string';
      case 'membership': {
        const meta = message.meta as unknown;
        const isMetaObject = meta === undefined || (typeof meta === 'object' && meta !== null && !Array.isArray(meta));
        return typeof message.connectionId === 'string' && ['join', 'leave', 'leaveAll'].includes(message.action) && optional(message.room, 'string') && isMetaObject && optional(message.requestId, 'string');
      }
      case 'ack':
        return typeof message.requestId === 'string' && optional(message.failure, 'string');
      case 'question':
        return typeof message.requestId === 'string' && ['nodes', 'rooms', 'roomsOf'].includes(message.question) && optional(message.connectionId, 'string');
      case 'answer':
      case 'probe':
        return typeof message.requestId === 'string';
      case 'posted':
        return typeof message.requestId === 'string' && typeof message.connectionId === 'string';
    }
  };

  it.each(cells)('%s with %s = %s is decoded well typed or refused as unreadable', (_kind, _field, _value, header) => {
    let message: ClusterMessage;
    try {
      message = decodeClusterMessage(rawClusterMessage(header));
    } catch (error) {
      expect(error).toBeInstanceOf(ClusterMessageError);
      return;
    }
    expect(isWellTyped(message)).toBe(true);
  });

  it('refuses a header that is JSON but no object', () => {
    for (const header of [null, 5, 'b', ['b']]) expect(() => decodeClusterMessage(rawClusterMessage(header))).toThrow(ClusterMessageError);
  });
});
