// The cross-node cases (test/e2e/cross-node/cross-node.cases.ts) over the IPC broker of a cluster:
// two node processes, each an app on an IpcAdapter, whose primary is this test process (an IpcHub
// on their channels, as runClustered sets up), with the room histories and sessions on that hub.
import { IpcHub } from '../../../lib';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { isPresence } from '../../helpers/cluster-member';
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
