// What another process on the NATS, or an application's own traffic, can throw at the NatsAdapter:
// frames past the server's max_payload, unreadable messages on every subject it listens to, room
// names that are not subject tokens, and subscriptions racing each other.
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NatsAdapter, RemoteMembershipError } from '../../../lib';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { subjectToken } from '../../../lib/adapters/nats/nats-subjects';
import { FakeNode, startFakeNode } from '../../helpers/rooms-node';
import { freeLoopbackPort } from '../../helpers/free-port';
import { NatsServer } from '../../helpers/nats-server';
import { waitUntil } from '../../helpers/ws-test-client';

const MAX_PAYLOAD_BYTES = 32 * 1024;
const REQUEST_TIMEOUT_MS = 300;
const NOBODY: ReadonlySet<string> = new Set();

let nats: NatsServer;
let probe: NatsConnection;
let prefixes = 0;
const started: FakeNode[] = [];

/** Two nodes on one prefix (A holds `a`, B holds `b`), each knowing the other. */
async function twoNodes(): Promise<{ a: FakeNode & { adapter: NatsAdapter }; b: FakeNode & { adapter: NatsAdapter }; prefix: string }> {
  const prefix = `attack${++prefixes}`;
  const adapters = [new NatsAdapter({ servers: nats.url, subjectPrefix: prefix, requestTimeoutMs: REQUEST_TIMEOUT_MS }), new NatsAdapter({ servers: nats.url, subjectPrefix: prefix, requestTimeoutMs: REQUEST_TIMEOUT_MS })];
  const [a, b] = await Promise.all([startFakeNode(adapters[0], ['a']), startFakeNode(adapters[1], ['b'])]);
  started.push(a, b);
  for (const adapter of adapters) await waitUntil(async () => (await adapter.nodes()).length === 2, () => 'the nodes did not hear each other');
  return { a: { ...a, adapter: adapters[0] }, b: { ...b, adapter: adapters[1] }, prefix };
}

const said = (text: string): Buffer => encodeTextFrame(JSON.stringify({ event: 'said', data: text }));
const saidTexts = (node: FakeNode, id: string): unknown[] => (node.received.get(id) ?? []).filter((envelope) => (envelope as { event?: string }).event === 'said').map((envelope) => (envelope as { data: unknown }).data);

describe('NatsAdapter under hostile input', () => {
  beforeAll(async () => {
    nats = await NatsServer.start({ maxPayloadBytes: MAX_PAYLOAD_BYTES });
    probe = await connect({ servers: nats.url });
  }, 30_000);

  afterEach(async () => {
    for (const fake of started.splice(0)) await fake.node.close();
  });

  afterAll(async () => {
    await probe?.close();
    await nats?.dispose();
  });

  it("delivers a frame past the server's max_payload to this node's members, counts it for the others, and keeps the link up", async () => {
    const { a, b } = await twoNodes();
    await a.node.join('a', 'lobby');
    await b.node.join('b', 'lobby');
    const big = 'x'.repeat(MAX_PAYLOAD_BYTES + 1);

    await a.node.broadcast(['lobby'], said(big), NOBODY);
    expect(await a.node.sendTo('b', said(big))).toBe(false);
    await a.node.broadcast(['lobby'], said('small'), NOBODY);

    await waitUntil(() => saidTexts(b, 'b').length === 1, () => 'the small broadcast did not reach B');
    expect(saidTexts(a, 'a')).toEqual([big, 'small']);
    expect(saidTexts(b, 'b')).toEqual(['small']);
    expect(a.adapter.stats()).toEqual({ isConnected: true, undelivered: 2, outages: 0 });
  });

  it('drops unreadable messages on every subject it listens to, and keeps delivering and answering', async () => {
    const { a, b, prefix } = await twoNodes();
    await a.node.join('a', 'lobby');
    await b.node.join('b', 'lobby');
    const garbage = [Buffer.from([1, 0xff, 0xff, 0xff, 0xff]), Buffer.from([9, 9, 9]), Buffer.from('{"k":"b","o":7}'), Buffer.alloc(0), Buffer.from('[1,2]')];

    for (const bytes of garbage) {
      for (const subject of [`${prefix}.room.lobby`, `${prefix}.nodes`]) probe.publish(subject, bytes);
      for (const subject of [`${prefix}.reach`, `${prefix}.query`]) probe.publish(subject, bytes, { reply: `${prefix}.nowhere` });
    }
    await probe.flush();
    await a.node.broadcast(['lobby'], said('after the garbage'), NOBODY);

    await waitUntil(() => saidTexts(b, 'b').length === 1, () => 'the broadcast after the garbage did not reach B');
    expect((await a.adapter.members('lobby')).sort()).toEqual(['a', 'b']);
    expect(await b.node.sendTo('a', said('direct'))).toBe(true);
    expect(saidTexts(a, 'a')).toEqual(['after the garbage', 'direct']);
  });

  it('keeps rooms apart whatever their names: subject syntax, unicode, and names longer than a protocol line', async () => {
    const { a, b } = await twoNodes();
    const names = ['a.b', 'a', '*', '>', 'a b', 'a%2Eb', '~', 'été', 'x'.repeat(10_000), 'x'.repeat(10_001)];
    for (const name of names) await b.node.join('b', name);

    for (const name of names) await a.node.broadcast([name], said(`to ${name.slice(0, 20)} ${name.length}`), NOBODY);

    await waitUntil(() => saidTexts(b, 'b').length === names.length, () => `B got ${saidTexts(b, 'b').length} of ${names.length}`);
    expect(saidTexts(b, 'b')).toEqual(names.map((name) => `to ${name.slice(0, 20)} ${name.length}`));
    expect(new Set(names.map(subjectToken)).size).toBe(names.length);
    for (const token of names.map(subjectToken)) expect(token).toMatch(/^[^\s.*>]{1,200}$/);
  });

  it('ends up subscribed exactly when a member remains, however joins and leaves interleave', async () => {
    const { a, b } = await twoNodes();
    const steps = [b.node.join('b', 'flip'), b.node.leave('b', 'flip'), b.node.join('b', 'flip'), b.node.leave('b', 'flip'), b.node.join('b', 'flip')];
    await Promise.all(steps);
    await Promise.all([b.node.join('b', 'flop'), b.node.leave('b', 'flop')]);

    await a.node.broadcast(['flip'], said('flip'), NOBODY);
    await a.node.broadcast(['flop'], said('flop'), NOBODY);
    await a.node.broadcast(['flip'], said('flip again'), NOBODY);

    await waitUntil(() => saidTexts(b, 'b').length === 2, () => 'B did not get both flips');
    expect(saidTexts(b, 'b')).toEqual(['flip', 'flip again']);
    // Its own id subject, and the gateway groups it joined: none here, so only 'flip' is listened to.
    expect(b.adapter.footprint()).toEqual({ groupSubjects: 1, liveNodes: 1 });
  });

  it('does not wait for a node that said bye: a join, a send and the node list answer at once', async () => {
    const { a, b } = await twoNodes();
    await b.adapter.close();
    await waitUntil(() => a.adapter.footprint().liveNodes === 0, () => "A did not hear B's bye");

    await expect(a.node.join('b', 'lobby')).resolves.toBeUndefined();
    expect(await a.node.sendTo('b', said('gone'))).toBe(false);
    expect(await a.adapter.nodes()).toEqual([{ id: a.adapter.nodeId, connections: 1, isSelf: true }]);
    expect(a.adapter.stats().undelivered).toBe(0);
  });

  it('rejects a join and counts a send when a node that looks alive does not answer (killed, not yet silent for 1.5 heartbeats)', async () => {
    const { a, b, prefix } = await twoNodes();
    // Each node answers a hello with a beat once it has counted the newcomer: then both expect the ghost's answers, which never come.
    const beats = new Set<string>();
    const notices = probe.subscribe(`${prefix}.nodes`, { callback: (_error, message) => void beats.add((message.json() as { node: string }).node) });
    await probe.flush();
    probe.publish(`${prefix}.nodes`, JSON.stringify({ kind: 'hello', node: 'ghost' }));
    await waitUntil(() => beats.has(a.adapter.nodeId) && beats.has(b.adapter.nodeId), () => 'the nodes did not hear the ghost');
    notices.unsubscribe();

    await expect(a.node.join('nobody', 'lobby')).rejects.toThrow(new RemoteMembershipError('join', 'nobody', undefined, `1 of 2 nodes did not answer within ${REQUEST_TIMEOUT_MS} ms`));
    expect(await a.node.sendTo('nobody', said('lost?'))).toBe(false);
    expect(await a.node.sendTo('b', said('found'))).toBe(true); // the holder's answer does not wait for the ghost
    expect(a.adapter.stats().undelivered).toBe(1);
    expect(saidTexts(b, 'b')).toEqual(['found']);
  });

  it('starts without NATS after connectTimeoutMs, serves its own members, counts, and joins the others once NATS is up', async () => {
    const port = await freeLoopbackPort();
    const late = new NatsAdapter({ servers: `nats://127.0.0.1:${port}`, subjectPrefix: 'late', connectTimeoutMs: 100, connectionOptions: { reconnectTimeWait: 50 } });
    const a = await startFakeNode(late, ['a']);
    started.push(a);
    await a.node.join('a', 'lobby');
    await a.node.broadcast(['lobby'], said('alone'), NOBODY);
    expect(late.stats()).toEqual({ isConnected: false, undelivered: 1, outages: 0 });

    const server = await NatsServer.start({ port });
    try {
      await waitUntil(() => late.stats().isConnected, () => 'the adapter did not attach once NATS was up');
      const b = await startFakeNode(new NatsAdapter({ servers: server.url, subjectPrefix: 'late' }), ['b']);
      started.push(b);
      await b.node.join('b', 'lobby');
      // Subscribed after the fact (the join came before NATS): B's broadcast reaches A's member.
      await waitUntil(async () => (await late.members('lobby')).length === 2, () => 'A does not see B');
      await b.node.broadcast(['lobby'], said('together'), NOBODY);
      await waitUntil(() => saidTexts(a, 'a').length === 2, () => "B's broadcast did not reach A");
      expect(saidTexts(a, 'a')).toEqual(['alone', 'together']);
    } finally {
      for (const fake of started.splice(0)) await fake.node.close();
      await server.dispose();
    }
  });

  it('does not hang a join on a server that stalls with the connection open, and delivers once it wakes', async () => {
    const { a, b } = await twoNodes();
    await b.node.join('b', 'lobby');
    nats.freeze(true);
    try {
      // The subscription's round trip waits at most requestTimeoutMs; the join resolves.
      await a.node.join('a', 'lobby');
    } finally {
      nats.freeze(false);
    }
    // A's SUB went out during the stall; B's publishes travel on another connection, which the woken server may read
    // first. A question A asks after it (same connection, so after the SUB) and B answers proves the SUB is in place.
    await waitUntil(async () => (await a.adapter.members('lobby')).length === 2, () => 'A does not see B after the stall');
    await a.node.broadcast(['lobby'], said('after the stall'), NOBODY);
    await b.node.broadcast(['lobby'], said('from B'), NOBODY);

    await waitUntil(() => saidTexts(b, 'b').length === 2 && saidTexts(a, 'a').length === 2, () => 'the broadcasts after the stall did not arrive');
    expect(saidTexts(a, 'a')).toEqual(['after the stall', 'from B']);
  });
});
