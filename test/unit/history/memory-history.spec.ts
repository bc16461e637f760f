import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { resolveHistoryOptions, roomPattern } from '../../../lib/history/history-options.interface';
import { MemoryHistory } from '../../../lib/history/memory-history';
import { RetainedDelivery } from '../../../lib/history/retained-delivery';
import { LocalConnections } from '../../../lib/rooms/local-connections';

function history(maxMessages: number, maxAgeMs = 0): { store: MemoryHistory; clock: { now: number } } {
  const clock = { now: 1000 };
  const options = resolveHistoryOptions({ rooms: ['h:*'], maxMessages, maxAgeMs });
  const store = new MemoryHistory({ options, delivery: new RetainedDelivery(new JsonEventCodec(), new LocalConnections()) }, () => [], () => clock.now);
  return { store, clock };
}

const NOBODY = new Set<string>();

describe('room patterns', () => {
  it('matches globs whole, with * for any run of characters, and RegExps as given', () => {
    expect(roomPattern('chat:*').test('chat:lobby')).toBe(true);
    expect(roomPattern('chat:*').test('xchat:lobby')).toBe(false);
    expect(roomPattern('a.b').test('aXb')).toBe(false);
    expect(resolveHistoryOptions({ rooms: [/^r\d+$/] }).isRetained('r42')).toBe(true);
  });
});

describe('MemoryHistory', () => {
  it('numbers messages 1, 2, 3 in one epoch and puts room, offset and epoch in the frame', async () => {
    const { store } = history(10);
    const first = await store.append('h:a', 'said', { text: 'hi' }, NOBODY);
    const second = await store.append('h:a', 'said', { text: 'again' }, NOBODY);
    expect([first.offset, second.offset]).toEqual([1, 2]);
    const read = await store.read('h:a', 1);
    expect(read.entries.map((entry) => entry.offset)).toEqual([2]);
    expect(JSON.parse(store.frameOf('h:a', read.epoch, read.entries[0]).subarray(2).toString())).toEqual({
      event: 'said',
      data: { text: 'again' },
      room: 'h:a',
      offset: 2,
      epoch: store.epoch,
    });
  });

  it('keeps the newest maxMessages, so a read from before them starts later than asked', async () => {
    const { store } = history(3);
    for (let i = 0; i < 5; i++) await store.append('h:a', 'n', i, NOBODY);
    const read = await store.read('h:a', 0);
    expect({ top: read.top, offsets: read.entries.map((entry) => entry.offset) }).toEqual({ top: 5, offsets: [3, 4, 5] });
  });

  it('drops messages older than maxAgeMs', async () => {
    const { store, clock } = history(100, 500);
    await store.append('h:a', 'n', 1, NOBODY);
    clock.now += 400;
    await store.append('h:a', 'n', 2, NOBODY);
    clock.now += 200;
    expect((await store.read('h:a', 0)).entries.map((entry) => entry.offset)).toEqual([2]);
  });

  it('forgets a session after its TTL unless it is touched', async () => {
    const { store, clock } = history(10);
    await store.saveSession('s1', { data: { name: 'ada' }, rooms: {} }, 1000);
    await store.saveSession('s2', { data: {}, rooms: {} }, 1000);
    clock.now += 900;
    await store.touchSessions(['s1'], 1000);
    clock.now += 200;
    expect(await store.takeSession('s1')).toEqual({ data: { name: 'ada' }, rooms: {} });
    expect(await store.takeSession('s2')).toBeUndefined();
  });

  it('gives a session to the first take only', async () => {
    const { store } = history(10);
    await store.saveSession('s1', { data: {}, rooms: { 'h:a': null } }, 1000);
    expect(await Promise.all([store.takeSession('s1'), store.takeSession('s1')])).toEqual([{ data: {}, rooms: { 'h:a': null } }, undefined]);
  });

  it('refuses to save a taken session for sessionTtlMs (the connection that held it may still be open), and takes a returned one again', async () => {
    const { store, clock } = history(10);
    await store.saveSession('s1', { data: {}, rooms: {} }, 1000);
    await store.takeSession('s1');
    expect(await store.saveSession('s1', { data: {}, rooms: { 'h:a': null } }, 1000)).toBe(false);
    expect(await store.takeSession('s1')).toBeUndefined();
    await store.returnSession('s1', { data: {}, rooms: { 'h:b': null } }, 1000);
    expect(await store.takeSession('s1')).toEqual({ data: {}, rooms: { 'h:b': null } });
    clock.now += 120_001; // the default sessionTtlMs: the spent mark is gone
    expect(await store.saveSession('s1', { data: {}, rooms: {} }, 1000)).toBe(true);
  });
});
