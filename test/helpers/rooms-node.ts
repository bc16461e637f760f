import { JsonEventCodec } from '../../lib/codec/json-event.codec';
import { RoomsAdapter } from '../../lib/rooms/rooms-adapter.interface';
import { RoomsNode } from '../../lib/rooms/rooms-node';
import { LocalConnections } from '../../lib/session/local-connections';
import { fakeLocalConnections } from './fake-local-connections';

/** A started RoomsNode over the adapter, whose open connections are fakes recording what they receive (JSON envelopes). */
export interface FakeNode {
  node: RoomsNode;
  connections: LocalConnections;
  /** What each connection received, parsed, in order. */
  received: Map<string, unknown[]>;
}

/** Closes a connection as the registry does: the node hears of it first, then it leaves LocalConnections. */
export async function closeFake({ node, connections }: FakeNode, id: string): Promise<void> {
  const closing = node.closed(id);
  const connection = connections.get(id);
  if (connection) connections.delete(connection);
  await closing;
}

export async function startFakeNode(adapter: RoomsAdapter, ids: readonly string[] = []): Promise<FakeNode> {
  const received = new Map<string, unknown[]>(ids.map((id) => [id, []]));
  const connections = fakeLocalConnections(ids, (id, frame) => received.get(id)?.push(JSON.parse(textOf(frame))));
  const node = new RoomsNode(adapter, connections, new JsonEventCodec());
  await node.start();
  for (const id of ids) await node.opened(id);
  return { node, connections, received };
}

/** The text of an unmasked frame the server wrote (payloads under 64 KiB). */
export function textOf(frame: Buffer): string {
  return frame.subarray((frame[1] & 0x7f) === 126 ? 4 : 2).toString();
}
