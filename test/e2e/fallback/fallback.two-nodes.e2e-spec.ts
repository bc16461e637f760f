// The HTTP fallback across two instances of the sample sharing a real redis-server, without sticky
// sessions: each session's stream is held by one instance, and its POSTs land on the other, which
// forwards them to the holder through the RedisAdapter and answers once the holder took them.
import { RedisServer } from '../../helpers/redis-server';
import { httpUrl, SampleInstance, startSample, stopSample } from '../../helpers/sample-instance';
import { SseSessionClient } from '../../helpers/sse-session-client';
import { FALLBACK_SESSION_HEADER } from '../../../lib/wire/fallback';
import { httpRequest } from '../../helpers/sse-session-client';

jest.setTimeout(60_000);

const envelope = (event: string, data?: unknown, id?: number): string => JSON.stringify({ event, data, id });

describe('the HTTP fallback across two instances sharing REDIS_URL', () => {
  let redis: RedisServer | undefined;
  let a: SampleInstance | undefined;
  let b: SampleInstance | undefined;
  const sessions: SseSessionClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    [a, b] = await Promise.all([startSample('A', { REDIS_URL: redis.url }), startSample('B', { REDIS_URL: redis.url })]);
  });

  afterAll(async () => {
    for (const session of sessions) session.drop();
    await Promise.all([stopSample(a), stopSample(b)]);
    await redis?.dispose();
  });

  const open = async (instance: SampleInstance | undefined): Promise<SseSessionClient> => {
    if (!instance) throw new Error('the instances did not start');
    const session = await SseSessionClient.open(httpUrl(instance, '/chat'));
    sessions.push(session);
    return session;
  };

  /** POSTs to `instance`, which does not hold the session. */
  const postVia = (instance: SampleInstance | undefined, credentials: string, messages: string[]) => {
    if (!instance) throw new Error('the instances did not start');
    return httpRequest(httpUrl(instance, '/chat'), { method: 'POST', headers: { [FALLBACK_SESSION_HEADER]: credentials, 'Content-Type': 'text/plain' }, body: messages.join('\n') });
  };

  it('chats between a session held by A posting through B and one held by B posting through A', async () => {
    const alice = await open(a);
    const bob = await open(b);

    expect((await postVia(b, alice.credentials, [envelope('join', { room: 'fb-nodes', name: 'alice' }, 1)])).status).toBe(202);
    expect((await alice.envelope('join', 1)).data).toEqual({ room: 'fb-nodes', members: ['alice'] });
    expect((await postVia(a, bob.credentials, [envelope('join', { room: 'fb-nodes', name: 'bob' }, 1)])).status).toBe(202);
    await bob.envelope('join', 1);

    expect((await postVia(b, alice.credentials, [envelope('say', { room: 'fb-nodes', text: 'from A, posted on B' })])).status).toBe(202);
    const heard = await bob.next((event) => event.data.includes('from A, posted on B'));

    expect(JSON.parse(heard.data)).toMatchObject({ event: 'said', data: { from: 'alice', text: 'from A, posted on B' } });
  });

  it('keeps the order of messages posted through the other node', async () => {
    const carol = await open(a);
    const batch = [1, 2, 3].map((id) => envelope('join', { room: `fb-order-${id}`, name: 'carol' }, id));

    expect((await postVia(b, carol.credentials, batch)).status).toBe(202);
    for (const id of [1, 2, 3]) await carol.envelope('join', id);
    const ids = carol.events.map((event) => JSON.parse(event.data) as { event: string; id?: number }).filter((e) => e.event === 'join').map((e) => e.id);

    expect(ids).toEqual([1, 2, 3]);
  });

  it('answers 404 on the other node to a forged token and to an unknown session, and delivers nothing', async () => {
    const dave = await open(a);

    const forged = await postVia(b, `${dave.opened.session}:${'A'.repeat(43)}`, [envelope('join', { room: 'fb-forged', name: 'mallory' }, 1)]);
    const unknown = await postVia(b, `00000000-0000-4000-8000-000000000000:${dave.opened.token}`, [envelope('join', { room: 'fb-forged', name: 'mallory' }, 1)]);
    await postVia(b, dave.credentials, [envelope('join', { room: 'fb-forged-check', name: 'dave' }, 2)]);
    await dave.envelope('join', 2);

    expect(forged.status).toBe(404);
    expect(JSON.parse(forged.body).error.code).toBe('SESSION_NOT_FOUND');
    expect(unknown.status).toBe(404);
    expect(dave.events.some((event) => event.data.includes('"id":1'))).toBe(false);
  });

  it('answers 404 on the other node once the session has closed', async () => {
    const erin = await open(a);
    await postVia(b, erin.credentials, [envelope('join', { room: 'fb-gone', name: 'erin' }, 1)]);
    await erin.envelope('join', 1);

    erin.drop();
    let answer = await postVia(b, erin.credentials, [envelope('say', { room: 'fb-gone', text: 'too late' })]);
    // A learns of the drop when its socket closes; until then the POST may still be taken.
    while (answer.status === 202) answer = await postVia(b, erin.credentials, [envelope('say', { room: 'fb-gone', text: 'too late' })]);

    expect(answer.status).toBe(404);
  });
});
