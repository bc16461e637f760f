import { ClusterMessageError, decodeClusterMessage, encodeClusterMessage } from '../../../../lib/adapters/redis/redis-message';
import { hex } from '../../../helpers/hex';

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

  it('refuses a message of another version', () => {
    const bytes = encodeClusterMessage({ kind: 'direct', origin: 'node-a', connectionId: 'c9', frame });
    bytes[0] = 2;

    expect(() => decodeClusterMessage(bytes)).toThrow(ClusterMessageError);
  });

  it('refuses a header that claims more bytes than the message has', () => {
    expect(() => decodeClusterMessage(hex('01 00 00 00 ff 7b 7d'))).toThrow('header overruns');
  });
});
