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

  describe('history', () => {
    const limits = { maxMessages: 2, maxAgeMs: 0, historyTtlMs: 0 };

    it("numbers a room's messages in the order they arrive, sends each to every node with members there (the publisher too), then answers", () => {
      const { hub, workers } = hubWith(['A', 'B', 'C']);
      const [a, b, c] = workers;
      a.from('A', { kind: 'subscribe', group: 'room', name: 'lobby' });
      b.from('B', { kind: 'subscribe', group: 'room', name: 'lobby' });

      a.from('A', { kind: 'history', requestId: 1, request: { op: 'append', room: 'lobby', payload: 'one', except: ['x'], limits } });
      c.from('C', { kind: 'history', requestId: 1, request: { op: 'append', room: 'lobby', payload: 'two', except: [], limits } });
      c.from('C', { kind: 'history', requestId: 2, request: { op: 'append', room: 'lobby', payload: 'three', except: [], limits } });
      c.from('C', { kind: 'history', requestId: 3, request: { op: 'read', room: 'lobby', afterOffset: 0, limits } });

      const [first] = a.received as Extract<HubMessage, { kind: 'retained' }>[];
      const epoch = first.epoch;
      const retained = (offset: number, payload: string, except: string[] = []) => ({ kind: 'retained', room: 'lobby', offset, epoch, payload, except });
      expect(a.received.map(({ via: _via, to: _to, ...message }) => message)).toEqual([
        retained(1, 'one', ['x']),
        { kind: 'answer', requestId: 1, value: { offset: 1, epoch }, failure: undefined },
        retained(2, 'two'),
        retained(3, 'three'),
      ]);
      expect(b.received.map(({ via: _via, to: _to, ...message }) => message)).toEqual([retained(1, 'one', ['x']), retained(2, 'two'), retained(3, 'three')]);
      // maxMessages 2: the read starts after what was trimmed, and tells the newest offset.
      expect(c.received.at(-1)).toMatchObject({ kind: 'answer', requestId: 3, value: { epoch, top: 3, entries: [{ offset: 2, payload: 'two' }, { offset: 3, payload: 'three' }] } });
      expect(hub.historyFootprint()).toEqual({ rooms: 1, sessions: 0 });
    });

    it('keeps sessions for every node: one resume takes a session, a second one with the same id gets nothing', () => {
      const { workers } = hubWith(['A', 'B']);
      const [a, b] = workers;
      const record = { data: { name: 'ada' }, rooms: { lobby: { offset: 1, epoch: 'e' } } };
      a.from('A', { kind: 'history', requestId: 1, request: { op: 'saveSession', id: 's1', record, ttlMs: 60_000 } });
      b.from('B', { kind: 'history', requestId: 1, request: { op: 'takeSession', id: 's1', spentTtlMs: 60_000 } });
      b.from('B', { kind: 'history', requestId: 2, request: { op: 'takeSession', id: 's1', spentTtlMs: 60_000 } });
      a.from('A', { kind: 'history', requestId: 2, request: { op: 'saveSession', id: 's1', record, ttlMs: 60_000 } });

      expect(a.received.map((message) => (message as { value?: unknown }).value)).toEqual(['saved', 'spent']);
      expect(b.received.map((message) => (message as { value?: unknown }).value)).toEqual([record, undefined]);
    });

    it('answers a call it cannot serve with a failure, and keeps serving', () => {
      const { workers } = hubWith(['A']);
      const [a] = workers;
      const unclonable = { data: { f: () => 1 }, rooms: {} } as unknown as { data: Record<string, unknown>; rooms: Record<string, null> };
      a.from('A', { kind: 'history', requestId: 1, request: { op: 'returnSession', id: 's', record: unclonable, ttlMs: 1000 } });
      a.from('A', { kind: 'history', requestId: 2, request: { op: 'position', room: 'lobby', limits } });

      expect(a.received).toEqual([
        expect.objectContaining({ kind: 'answer', requestId: 1, value: undefined, failure: expect.stringMatching(/^the primary could not returnSession: .*could not be cloned/) }),
        expect.objectContaining({ kind: 'answer', requestId: 2, value: { offset: 0, epoch: expect.any(String) }, failure: undefined }),
      ]);
    });
  });
});

describe('IpcHub answers that do not fit the channel', () => {
  it('answers a history read larger than maxPendingBytes, while other messages wait, with a failure at once', () => {
    const sent: HubMessage[] = [];
    const callbacks: (() => void)[] = [];
    const port = new (class extends EventEmitter implements IpcPort {
      send(message: unknown, _handle?: undefined, _options?: undefined, callback?: (error: Error | null) => void): boolean {
        sent.push(message as HubMessage);
        if (callback) callbacks.push(() => callback(null)); // written only when the test says so
        return true;
      }
    })();
    const hub = new IpcHub({ maxPendingBytes: 1000 });
    hub.attach(port);
    const from = (payload: WorkerPayload): boolean => port.emit('message', { via: IPC_VIA, node: 'A', ...payload });
    const limits = { maxMessages: 10, maxAgeMs: 0, historyTtlMs: 0 };
    from({ kind: 'hello' });
    for (let index = 0; index < 3; index++) from({ kind: 'history', requestId: index, request: { op: 'append', room: 'r', payload: 'x'.repeat(400), except: [], limits } });
    callbacks.splice(0).forEach((written) => written());
    from({ kind: 'query', requestId: 10, query: { what: 'rooms' } }); // waits: the channel has not written it

    from({ kind: 'history', requestId: 11, request: { op: 'read', room: 'r', afterOffset: 0, limits } });

    expect(sent.at(-1)).toMatchObject({ kind: 'answer', requestId: 11, value: undefined, failure: expect.stringContaining('did not fit the channel') });
  });
});
