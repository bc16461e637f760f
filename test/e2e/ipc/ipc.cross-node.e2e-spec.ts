// The cross-node cases (test/e2e/cross-node/cross-node.cases.ts) over the IPC broker of a cluster:
// two node processes, each an app on an IpcAdapter, whose primary is this test process (an IpcHub
// on their channels, as runClustered sets up), with the room histories and sessions on that hub.
import { IpcHub } from '../../../lib';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { isPresence } from '../../helpers/cluster-member';
import { httpRequest, SseSessionClient } from '../../helpers/sse-session-client';
import { crossNodeCases, Members } from '../cross-node/cross-node.cases';

jest.setTimeout(20_000);

describe('IpcAdapter across two workers and their primary', () => {
  const hub = new IpcHub();
  let nodes: ClusterNode[] = [];
  const members = new Members(() => nodes);

  beforeAll(async () => {
    nodes = await Promise.all(['A', 'B'].map((name) => ClusterNode.start({ name, ipcHub: hub, history: true })));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  }, 30_000);

  crossNodeCases(() => nodes, members);

  describe('the HTTP fallback without sticky sessions: a POST or DELETE on the other worker reaches the session', () => {
    const url = (node: ClusterNode, path = '/cluster'): string => `http://127.0.0.1:${node.port}${path}`;
    const post = (node: ClusterNode, credentials: string, path = '/cluster') =>
      httpRequest(url(node, path), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: credentials }, body: JSON.stringify({ event: 'whoami', id: 1 }) });
    const remove = (node: ClusterNode, credentials: string) => httpRequest(url(node), { method: 'DELETE', headers: { [FALLBACK_SESSION_HEADER]: credentials } });

    it('delivers a POST made on the other worker, and closes the session on a DELETE made there', async () => {
      const session = await SseSessionClient.open(url(nodes[0]));
      try {
        expect((await post(nodes[1], session.credentials)).status).toBe(202);
        expect((await session.envelope('whoami', 1)).data).toEqual({ id: session.opened.session });

        expect((await remove(nodes[1], session.credentials)).status).toBe(204);
        await session.untilEnded();
        expect((await post(nodes[1], session.credentials)).status).toBe(404);
      } finally {
        session.drop();
      }
    });

    it.each([
      ['a forged token', (session: SseSessionClient) => `${session.opened.session}:${'A'.repeat(43)}`, '/cluster'],
      ["another gateway's path", (session: SseSessionClient) => session.credentials, '/resume'],
    ])('answers 404 to a POST or DELETE with %s made on the other worker, and delivers nothing', async (_case, credentials, path) => {
      const session = await SseSessionClient.open(url(nodes[0]));
      try {
        expect((await post(nodes[1], credentials(session), path)).status).toBe(404);
        expect((await httpRequest(url(nodes[1], path), { method: 'DELETE', headers: { [FALLBACK_SESSION_HEADER]: credentials(session) } })).status).toBe(404);
        // Still open, and nothing of the refused POST came: the next reply on the stream is this one's.
        expect((await post(nodes[1], session.credentials)).status).toBe(202);
        await session.envelope('whoami', 1);
        expect(session.events.filter((event) => event.event === 'message')).toHaveLength(1);
      } finally {
        session.drop();
      }
    });
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)("takes a worker's members out of presence at once when it stops (%s), with leave events, and it out of the node list", async (signal) => {
    const extra = await ClusterNode.start({ name: 'C', ipcHub: hub, history: true });
    try {
      const room = members.freshRoom();
      const watcher = await members.connect(nodes[0]);
      await members.join(watcher, room, 'watcher');
      const doomed = await members.connect(extra);
      await members.join(doomed, room, 'doomed');
      await watcher.client.nextEnvelope(isPresence('join', doomed.id));

      await extra.stop(signal); // SIGTERM: Nest shuts down and the adapter says bye; SIGKILL: its channel just closes

      expect((await watcher.client.nextEnvelope(isPresence('leave', doomed.id))).data).toEqual({ room, action: 'leave', id: doomed.id, meta: { name: 'doomed' } });
      for (const node of nodes) {
        expect(await node.get<string[]>(`/rooms/${room}/members`)).toEqual([watcher.id]);
        expect((await node.get<{ nodes: { id: string }[] }>('/nodes')).nodes.map(({ id }) => id).sort()).toEqual(nodes.map(({ nodeId }) => nodeId).sort());
      }
    } finally {
      await extra.stop('SIGKILL');
    }
  });
});
