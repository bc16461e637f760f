// Room traffic between app nodes (test/fixtures/redis ClusterNode) while the broker's servers fail
// or move: members that record what they receive, numbered broadcasts, and what was lost.
import { ClusterNode } from '../fixtures/redis/cluster-node.process';
import { TestEnvelope, waitUntil, WsTestClient } from './ws-test-client';

// Up to 20 s for the broker to carry a broadcast again after a failover or a migration.
const RECOVERY_ATTEMPTS = 400;
const RECOVERY_WAIT_MS = 50;

/** A member of `room` on `node` (kept in `clients` for closing): the texts of the `said` broadcasts it received, in arrival order. */
export async function member(clients: WsTestClient[], node: ClusterNode, room: string, name?: string): Promise<{ client: WsTestClient; texts: string[] }> {
  const client = await WsTestClient.connect(node.wsUrl());
  clients.push(client);
  const texts: string[] = [];
  client.socket.on('message', (data, isBinary) => {
    const envelope = isBinary ? undefined : (JSON.parse(String(data)) as TestEnvelope<{ text?: string }>);
    if (envelope?.event === 'said' && typeof envelope.data?.text === 'string') texts.push(envelope.data.text);
  });
  await client.request('join', { room, name });
  return { client, texts };
}

export const broadcast = (node: ClusterNode, room: string, text: string): Promise<void> => node.post('/broadcast', { rooms: [room], event: 'said', data: { text } });

/** Each message at most once, and each origin's numbered messages in increasing order. */
export function expectOnceInOrder(texts: readonly string[]): void {
  expect(new Set(texts).size).toBe(texts.length);
  const byOrigin = new Map<string, number[]>();
  for (const text of texts) {
    const [origin, number] = text.split('#');
    byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), Number(number)]);
  }
  for (const numbers of byOrigin.values()) expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
}

/**
 * `sender` broadcasts numbered messages to `room`, one after the other, while `event` runs, then until
 * one sent after it reached every member. Returns what was sent, lost (never arrived anywhere it should
 * have) and the time from the event's start to that first delivery.
 */
export async function trafficDuring(sender: ClusterNode, room: string, members: { client: WsTestClient; texts: string[] }[], event: () => Promise<unknown>): Promise<{ sent: number; lost: number; recoveryMs: number }> {
  let sent = 0;
  let firstAfter: number | undefined;
  const startedAt = Date.now();
  const done = event().then(() => (firstAfter = sent));
  const recovered = (): boolean => firstAfter !== undefined && members.every(({ texts }) => texts.some((text) => Number(text.split('#')[1]) >= (firstAfter as number)));
  while (firstAfter === undefined) await broadcast(sender, room, `${room}#${sent++}`);
  await done;
  // After the event, one broadcast at a time until one reaches every member: the sender's own link to
  // the broker may still be coming back, and what it drops meanwhile is lost like the rest.
  for (let attempt = 0; !recovered(); attempt++) {
    if (attempt >= RECOVERY_ATTEMPTS) throw new Error(`${room}: none of ${RECOVERY_ATTEMPTS} broadcasts after the event reached every member`);
    await broadcast(sender, room, `${room}#${sent++}`);
    await waitUntil(recovered, () => 'not yet', RECOVERY_WAIT_MS).catch(() => undefined);
  }
  const recoveryMs = Date.now() - startedAt;
  const lost = Math.max(...members.map(({ texts }) => sent - texts.length));
  return { sent, lost, recoveryMs };
}

