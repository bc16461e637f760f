// The sweep "every stateful API races disconnect" (issue 14), as a table: each operation of Rooms and
// the ConnectionRegistry on a subject connection, at each moment of its close. The memory and the
// Redis suites run the same table over their own nodes; afterwards nothing may be left anywhere.
import { RETAINED_ROOM_PREFIX } from '../fixtures/gateways/membership.gateway';
import { MembershipNode, Subject } from './membership-node';
import { TestEnvelope, waitUntil, withTimeout } from './ws-test-client';

/** Where the subject lives (home) and where the watcher and the by-id calls are (the same node with the MemoryAdapter). */
export interface SweepCluster {
  home: MembershipNode;
  remote: MembershipNode;
  /** Every count that must be back to its idle value once all connections have closed, by name. */
  leftovers(): Promise<Record<string, unknown>>;
  /** The same, as it must read when nothing is left. */
  readonly idle: Record<string, unknown>;
}

/** One cell's names: `anchor` holds the subject (with presence) from the start, `room` is what the operation joins. */
export interface SweepContext {
  cluster: SweepCluster;
  subject: Subject;
  anchor: string;
  room: string;
  tag: string;
}

interface Operation {
  name: string;
  run(context: SweepContext): unknown;
}

const PRESENCE = { presence: { name: 'subject' } };
// Many tiny things: the cleanup of a connection in this many rooms and tags must leave nothing either.
const MANY = 200;

export const OPERATIONS: Operation[] = [
  { name: 'rooms.join', run: ({ cluster, subject, room }) => cluster.home.rooms.join(subject.connection, room) },
  { name: 'rooms.join with presence', run: ({ cluster, subject, room }) => cluster.home.rooms.join(subject.connection, room, PRESENCE) },
  { name: "rooms.join by id, from the watcher's node", run: ({ cluster, subject, room }) => cluster.remote.rooms.join(subject.id, room, PRESENCE) },
  {
    name: 'history subscribe (rooms.join of a room with history)',
    run: ({ cluster, subject, room }) => cluster.home.rooms.join(subject.connection, `${RETAINED_ROOM_PREFIX}${room}`, PRESENCE),
  },
  {
    name: `rooms.join of ${MANY} rooms and registry.tag of ${MANY} tags at once`,
    run: ({ cluster, subject, room, tag }) =>
      Promise.all(
        Array.from({ length: MANY }, (_, i) => [cluster.home.rooms.join(subject.connection, `${room}-${i}`, PRESENCE), cluster.home.registry.tag(subject.connection, `${tag}-${i}`)]).flat(),
      ),
  },
  { name: 'rooms.leave', run: ({ cluster, subject, anchor }) => cluster.home.rooms.leave(subject.connection, anchor) },
  { name: "rooms.leaveAll by id, from the watcher's node", run: ({ cluster, subject }) => cluster.remote.rooms.leaveAll(subject.id) },
  { name: 'rooms.presence', run: ({ cluster, anchor }) => cluster.remote.rooms.presence(anchor) },
  { name: 'registry.tag', run: ({ cluster, subject, tag }) => cluster.home.registry.tag(subject.connection, `${tag}-late`) },
  { name: 'registry.untag', run: ({ cluster, subject, tag }) => cluster.home.registry.untag(subject.connection, tag) },
  { name: 'connection.send', run: ({ subject }) => subject.connection.send('direct', 1) },
  { name: "registry.send, from the watcher's node", run: ({ cluster, subject }) => cluster.remote.registry.send(subject.id, 'direct', 2) },
  { name: 'registry.sendToTag', run: ({ cluster, tag }) => cluster.remote.registry.sendToTag(tag, 'tagged', 3) },
];

interface Timing {
  name: string;
  /** Closes the subject around the operation; resolves with what the operation returned. */
  run(context: SweepContext, operation: Operation): Promise<unknown>;
}

/** The operation starts, then the connection is cut in the same tick: whatever the operation awaits ends after the close. */
function closedInTheSameTick(how: string, cut: (subject: Subject) => void): Timing {
  return {
    name: `in the tick ${how} (the operation first)`,
    async run(context, operation) {
      const result = operation.run(context);
      cut(context.subject);
      await context.cluster.home.closeAndForget(context.subject, context.anchor);
      return result;
    },
  };
}

export const TIMINGS: Timing[] = [
  {
    name: 'before the client closes',
    async run(context, operation) {
      const result = await operation.run(context);
      await context.cluster.home.closeAndForget(context.subject, context.anchor);
      return result;
    },
  },
  closedInTheSameTick('the server terminates the connection', (subject) => subject.connection.terminate()),
  closedInTheSameTick('the client resets the connection (RST)', (subject) => subject.client.terminate()),
  {
    name: "in the tick the server handles the client's close",
    async run(context, operation) {
      let result: unknown;
      context.subject.connection.link.once('close', () => (result = operation.run(context)));
      await context.cluster.home.closeAndForget(context.subject, context.anchor);
      return result;
    },
  },
  {
    name: 'after the disconnect cleanup',
    async run(context, operation) {
      await context.cluster.home.closeAndForget(context.subject, context.anchor);
      return operation.run(context);
    },
  },
];

/** Presence events the watcher got about the subject, per room: every join must have had its leave. */
function unbalancedPresence(received: readonly TestEnvelope[], id: string): Record<string, number> {
  const balance: Record<string, number> = {};
  for (const { event, data } of received) {
    const change = data as { room: string; action: string; id: string } | undefined;
    if (event !== 'presence' || change?.id !== id) continue;
    balance[change.room] = (balance[change.room] ?? 0) + (change.action === 'join' ? 1 : -1);
  }
  return Object.fromEntries(Object.entries(balance).filter(([, count]) => count !== 0));
}

let cellCount = 0;

/** Runs one cell: setup, the operation at its moment, then checks that nothing is left. */
export async function runCell(cluster: SweepCluster, operation: Operation, timing: Timing): Promise<void> {
  const cell = ++cellCount;
  const [anchor, room, tag] = [`anchor-${cell}`, `room-${cell}`, `tag-${cell}`];
  const watcher = await cluster.remote.connect();
  for (const name of [anchor, room, `${RETAINED_ROOM_PREFIX}${room}`]) await cluster.remote.rooms.join(watcher.connection, name);
  const subject = await cluster.home.connect();
  await cluster.home.rooms.join(subject.connection, anchor, PRESENCE);
  await cluster.home.registry.tag(subject.connection, tag);

  const result = await timing.run({ cluster, subject, anchor, room, tag }, operation);
  await withTimeout(Promise.resolve(result), 3000, () => `${operation.name} did not settle`);

  // A marker through every room from the subject's node, after the operation settled: its presence events came first.
  await cluster.home.rooms.to([anchor, room, `${RETAINED_ROOM_PREFIX}${room}`]).send('marker', cell);
  await watcher.client.nextEnvelope((envelope) => envelope.event === 'marker' && envelope.data === cell, 'the marker');
  expect(unbalancedPresence(watcher.received, subject.id)).toEqual({});
  expect(await cluster.remote.rooms.members(room)).toEqual([watcher.id]);
  expect(await cluster.remote.rooms.presence(room)).toEqual([]);

  await cluster.remote.closeAndForget(watcher, anchor);
  await waitUntil(
    async () => JSON.stringify(await cluster.leftovers()) === JSON.stringify(cluster.idle),
    () => `left behind after ${operation.name} ${timing.name}`,
  ).catch(async (error: Error) => {
    expect(await cluster.leftovers()).toEqual(cluster.idle); // says what is left
    throw error;
  });
}
