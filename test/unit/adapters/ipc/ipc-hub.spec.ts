import { EventEmitter } from 'node:events';
import { IpcHub } from '../../../../lib/adapters/ipc/ipc-hub';
import { HubMessage, IPC_VIA, WorkerPayload } from '../../../../lib/adapters/ipc/ipc-message';
import { IpcPort } from '../../../../lib/adapters/ipc/ipc-port';

/** A worker's channel as the hub sees it: the test plays the worker, and reads what the hub sent. */
class FakeWorker extends EventEmitter implements IpcPort {
  readonly received: HubMessage[] = [];

  send(message: unknown, _handle?: undefined, _options?: undefined, callback?: (error: Error | null) => void): boolean {
    this.received.push(message as HubMessage);
    callback?.(null);
    return true;
  }

  from(node: string, payload: WorkerPayload): void {
    this.emit('message', { via: IPC_VIA, node, ...payload });
  }
}

function hubWith(names: readonly string[]): { hub: IpcHub; workers: FakeWorker[] } {
  const hub = new IpcHub();
  const workers = names.map((name) => {
    const worker = new FakeWorker();
    hub.attach(worker);
    worker.from(name, { kind: 'hello' });
    return worker;
  });
  return { hub, workers };
}

const frame = Buffer.from('frame');

describe('IpcHub', () => {
  it('relays a publish once to each other node listening to one of its groups, never back to its sender', () => {
    const { workers } = hubWith(['A', 'B', 'C']);
    const [a, b, c] = workers;
    a.from('A', { kind: 'subscribe', group: 'room', name: 'red' });
    b.from('B', { kind: 'subscribe', group: 'room', name: 'red' });
    b.from('B', { kind: 'subscribe', group: 'room', name: 'blue' });
    c.from('C', { kind: 'subscribe', group: 'tag', name: 'red' }); // another kind of group of that name

    a.from('A', { kind: 'publish', group: 'room', names: ['red', 'blue'], frame, except: ['x'] });

    expect(a.received).toEqual([]);
    expect(b.received).toEqual([{ via: IPC_VIA, to: 'B', kind: 'deliver', group: 'room', names: ['red', 'blue'], frame, except: ['x'] }]);
    expect(c.received).toEqual([]);
  });

  it('takes a worker whose channel closed out: its members leave, announced by a node listening to the room, and it leaves nodes', () => {
    const { workers } = hubWith(['A', 'B']);
    const [a, b] = workers;
    a.from('A', { kind: 'subscribe', group: 'room', name: 'lobby' });
    b.from('B', { kind: 'subscribe', group: 'room', name: 'lobby' });
    b.from('B', { kind: 'addConnection', connectionId: 'bob' });
    b.from('B', { kind: 'join', room: 'lobby', connectionId: 'bob', meta: { name: 'bob' } });

    b.emit('disconnect');
    a.from('A', { kind: 'query', requestId: 1, query: { what: 'members', room: 'lobby' } });
    a.from('A', { kind: 'query', requestId: 2, query: { what: 'nodes' } });

    expect(a.received).toEqual([
      { via: IPC_VIA, to: 'A', kind: 'announce', change: { room: 'lobby', action: 'leave', id: 'bob', meta: { name: 'bob' } } },
      { via: IPC_VIA, to: 'A', kind: 'answer', requestId: 1, value: [], failure: undefined },
      { via: IPC_VIA, to: 'A', kind: 'answer', requestId: 2, value: [{ id: 'A', connections: 0 }], failure: undefined },
    ]);
  });

  it('keeps out a join that arrives after its connection was removed (it raced the close)', () => {
    const { workers } = hubWith(['A']);
    const [a] = workers;
    a.from('A', { kind: 'addConnection', connectionId: 'ada' });
    a.from('A', { kind: 'removeConnection', connectionId: 'ada' });
    a.from('A', { kind: 'join', room: 'lobby', connectionId: 'ada', meta: undefined });
    a.from('A', { kind: 'query', requestId: 1, query: { what: 'rooms' } });

    expect(a.received).toEqual([{ via: IPC_VIA, to: 'A', kind: 'answer', requestId: 1, value: [], failure: undefined }]);
  });

  it("relays a membership change to the node holding the connection, and that node's answer to the asker", () => {
    const { workers } = hubWith(['A', 'B']);
    const [a, b] = workers;
    b.from('B', { kind: 'addConnection', connectionId: 'bob' });

    a.from('A', { kind: 'reach', requestId: 7, connectionId: 'bob', message: { kind: 'membership', change: { action: 'join', room: 'lobby' } } });
    b.from('B', { kind: 'applied', origin: 'A', requestId: 7, failure: undefined });
    a.from('A', { kind: 'reach', requestId: 8, connectionId: 'nobody', message: { kind: 'frame', frame } });

    expect(b.received).toEqual([{ via: IPC_VIA, to: 'B', kind: 'membership', origin: 'A', requestId: 7, connectionId: 'bob', change: { action: 'join', room: 'lobby' } }]);
    expect(a.received).toEqual([
      { via: IPC_VIA, to: 'A', kind: 'answer', requestId: 7, value: true, failure: undefined },
      { via: IPC_VIA, to: 'A', kind: 'answer', requestId: 8, value: false, failure: undefined },
    ]);
  });

  it('fails at once a membership change relayed to a node that leaves before applying it', () => {
    const { workers } = hubWith(['A', 'B']);
    const [a, b] = workers;
    b.from('B', { kind: 'addConnection', connectionId: 'bob' });
    a.from('A', { kind: 'reach', requestId: 3, connectionId: 'bob', message: { kind: 'membership', change: { action: 'leaveAll' } } });

    b.emit('disconnect');

    expect(a.received).toEqual([{ via: IPC_VIA, to: 'A', kind: 'answer', requestId: 3, value: true, failure: 'node B left before applying it' }]);
  });
});
