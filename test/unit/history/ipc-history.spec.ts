// History on a cluster's primary, seen from a worker whose primary is gone or silent: every call
// ends with a HistoryUnavailableError (no hang), and a broadcast still reaches this worker's members.
import { EventEmitter } from 'node:events';
import { IpcAdapter } from '../../../lib/adapters/ipc/ipc.adapter';
import { IpcPort } from '../../../lib/adapters/ipc/ipc-port';
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { resolveHistoryOptions } from '../../../lib/history/history-options.interface';
import { HistoryUnavailableError } from '../../../lib/history/history-unavailable.error';
import { IpcHistory } from '../../../lib/history/ipc/ipc-history';
import { RetainedDelivery } from '../../../lib/history/retained-delivery';
import { LocalRooms } from '../../../lib/rooms/local-rooms';
import { LocalConnections } from '../../../lib/session/local-connections';
import { WsConnection } from '../../../lib/session/ws-connection';

class SilentPrimary extends EventEmitter implements IpcPort {
  send(_message: unknown, _handle?: undefined, _options?: undefined, callback?: (error: Error | null) => void): boolean {
    callback?.(null);
    return true;
  }
}

async function worker(requestTimeoutMs = 60_000) {
  const primary = new SilentPrimary();
  const adapter = new IpcAdapter({ port: primary, nodeId: 'A', requestTimeoutMs });
  const local = new LocalConnections();
  await adapter.start({ local: new LocalRooms(local), apply: async () => {}, announce: () => {} });
  const sent: Buffer[] = [];
  local.add({ id: 'ada', sendFrame: (frame: Buffer) => sent.push(frame) } as unknown as WsConnection);
  const context = { options: resolveHistoryOptions({ rooms: ['h:*'] }), delivery: new RetainedDelivery(new JsonEventCodec(), local) };
  const history = new IpcHistory(context, adapter.historyLink(), () => ['ada']);
  return { primary, history, sent };
}

describe('IpcHistory without its primary', () => {
  it('delivers a broadcast to this worker’s members without an offset, then rejects it as not retained, when the primary dies mid-call', async () => {
    const { primary, history, sent } = await worker();
    const appended = history.append('h:lobby', 'said', { text: 'hi' }, new Set());
    const read = history.read('h:lobby', 0);

    primary.emit('disconnect');

    await expect(appended).rejects.toThrow(new HistoryUnavailableError('room h:lobby: the message was not retained (the channel to the primary closed)'));
    await expect(read).rejects.toThrow(new HistoryUnavailableError("the cluster's primary keeps the history: the channel to the primary closed"));
    expect(sent.map((frame) => JSON.parse(frame.subarray(2).toString()))).toEqual([{ event: 'said', data: { text: 'hi' } }]);
  });

  it('rejects a session call the primary does not answer within requestTimeoutMs', async () => {
    const { history } = await worker(20);
    await expect(history.takeSession('s1')).rejects.toThrow(new HistoryUnavailableError("the cluster's primary keeps the history: the primary did not answer within 20 ms"));
  });
});
