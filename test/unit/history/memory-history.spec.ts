import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { resolveHistoryOptions, roomPattern } from '../../../lib/history/history-options.interface';
import { MemoryHistory } from '../../../lib/history/memory-history';
import { RetainedDelivery } from '../../../lib/history/retained-delivery';
import { LocalConnections } from '../../../lib/session/local-connections';

function history(maxMessages: number, maxAgeMs = 0, historyTtlMs = 86_400_000): { store: MemoryHistory; clock: { now: number } } {
  const clock = { now: 1000 };
  const options = resolveHistoryOptions({ rooms: ['h:*'], maxMessages, maxAgeMs, historyTtlMs });
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
      epoch: first.epoch,
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

  it('drops 10,000 one-message rooms historyTtlMs after their last message, and keeps the rooms still written to', async () => {
    const { store, clock } = history(1000, 0, 60_000);
    for (let i = 0; i < 10_000; i++) await store.append(`h:${i}`, 'said', { text: 'hi' }, NOBODY);
    clock.now += 30_000;
    await store.append('h:busy', 'said', { text: 'still here' }, NOBODY);
    clock.now += 30_000;
    await store.append('h:busy', 'said', { text: 'still here' }, NOBODY);
    expect(store.retainedRooms).toBe(1);
    expect((await store.read('h:busy', 0)).entries.map((entry) => entry.offset)).toEqual([1, 2]);
  });

  it('starts an expired room over in a new epoch, so a position in the old one never reads as complete', async () => {
    const { store, clock } = history(1000, 0, 60_000);
    for (let i = 0; i < 3; i++) await store.append('h:a', 'said', i, NOBODY);
    const before = await store.position('h:a');
    clock.now += 60_000;
    await store.append('h:a', 'said', 'after', NOBODY);
    await store.append('h:a', 'said', 'after', NOBODY);
    const read = await store.read('h:a', before.offset);
    expect(read).toMatchObject({ top: 2, entries: [] });
    expect(read.epoch).not.toBe(before.epoch);
  });

  it('keeps nothing for 10,000 rooms joined without a message', async () => {
    const { store } = history(1000, 0, 60_000);
    for (let i = 0; i < 10_000; i++) await store.position(`h:${i}`);
    expect(store.retainedRooms).toBe(0);
  });

  it('keeps a room joined before its first message in the epoch of the join, and never expires with historyTtlMs 0', async () => {
    const { store, clock } = history(1000, 0, 0);
    const atJoin = await store.position('h:quiet');
    clock.now += 365 * 86_400_000;
    expect(await store.append('h:quiet', 'said', 'first', NOBODY)).toEqual({ offset: 1, epoch: atJoin.epoch });
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
    expect(await store.saveSession('s1', { data: {}, rooms: { 'h:a': null } }, 1000)).toBe('spent');
    expect(await store.takeSession('s1')).toBeUndefined();
    await store.returnSession('s1', { data: {}, rooms: { 'h:b': null } }, 1000);
    expect(await store.takeSession('s1')).toEqual({ data: {}, rooms: { 'h:b': null } });
    clock.now += 120_001; // the default sessionTtlMs: the spent mark is gone
    expect(await store.saveSession('s1', { data: {}, rooms: {} }, 1000)).toBe('saved');
  });
});
