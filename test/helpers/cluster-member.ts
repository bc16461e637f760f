// A client of one node of a test cluster (test/fixtures/redis/cluster-node.process.ts), with the
// connection id the server gave it and every envelope it received; and the waits built on them.
import type { ClusterNode } from '../fixtures/redis/cluster-node.process';
import { TestEnvelope, WsTestClient } from './ws-test-client';

export interface ClusterMember {
  client: WsTestClient;
  id: string;
  node: ClusterNode;
  received: TestEnvelope[];
}

/** Opens a client on the node's /cluster gateway and asks its connection id. */
export async function connectMember(node: ClusterNode): Promise<ClusterMember> {
  const client = await WsTestClient.connect(node.wsUrl());
  const received: TestEnvelope[] = [];
  client.socket.on('message', (data, isBinary) => {
    if (!isBinary) received.push(JSON.parse(String(data)) as TestEnvelope);
  });
  const reply = await client.request<{ id: string }>('whoami');
  return { client, id: reply.data?.id ?? '', node, received };
}

export async function joinRoom(member: ClusterMember, room: string, name?: string): Promise<void> {
  const reply = await member.client.request('join', { room, name });
  if (JSON.stringify(reply.data) !== JSON.stringify({ room })) throw new Error(`join ${room} answered ${JSON.stringify(reply)}`);
}

export const isEvent =
  (event: string, text?: unknown) =>
  (envelope: TestEnvelope): boolean =>
    envelope.event === event && (text === undefined || (envelope.data as { text?: unknown } | undefined)?.text === text);

export const isPresence =
  (action: 'join' | 'leave', id: string) =>
  (envelope: TestEnvelope): boolean => {
    const data = envelope.data as { action?: string; id?: string } | undefined;
    return envelope.event === 'presence' && data?.action === action && data.id === id;
  };

/** Copies of an event (with that text) a member received so far. */
export const copies = (member: ClusterMember, event: string, text: unknown): number => member.received.filter(isEvent(event, text)).length;

/**
 * Every node broadcasts a marker to the room and every member waits for all of them. A node gets
 * another node's messages in publish order, so afterwards nothing sent before can still arrive.
 */
export async function flushRoom(room: string, members: readonly ClusterMember[], through: readonly ClusterNode[]): Promise<void> {
  const marker = `flush-${Math.random()}`;
  for (const node of through) await node.post('/broadcast', { rooms: [room], event: 'flush', data: { text: `${marker}-${node.name}` } });
  for (const member of members) {
    for (const node of through) await member.client.nextEnvelope(isEvent('flush', `${marker}-${node.name}`), `the flush marker from ${node.name}`);
  }
}
