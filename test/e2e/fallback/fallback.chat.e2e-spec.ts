import { ConnectionRegistry } from '../../../lib';
import { startSampleApp, SampleApp } from '../../fixtures/sample-app';
import { SseSessionClient } from '../../helpers/sse-session-client';
import { WsTestClient } from '../../helpers/ws-test-client';

/** The sample's /chat (fallback: { sse: true }) through the HTTP fallback: the same gateway, pipes, filters, rooms and history. */
describe('HTTP fallback on the sample /chat', () => {
  let sample: SampleApp;
  const sessions: SseSessionClient[] = [];
  const sockets: WsTestClient[] = [];

  const openSession = async (): Promise<SseSessionClient> => {
    const session = await SseSessionClient.open(`${sample.httpUrl}/chat`);
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    sample = await startSampleApp();
  });

  afterEach(async () => {
    for (const session of sessions.splice(0)) session.drop();
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await sample.close();
  });

  it('opens a session whose first event names it with an unguessable token, then pushes $session', async () => {
    const session = await openSession();

    expect(session.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(session.response.headers['cache-control']).toBe('no-store');
    expect(session.opened.session).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(session.opened.token, 'base64url')).toHaveLength(32);
    expect((await session.envelope('$session')).data).toEqual({ id: expect.any(String) });
  });

  it('answers a posted request on the stream, with its id, and the POST with 202', async () => {
    const session = await openSession();

    const answer = await session.post([JSON.stringify({ event: 'join', data: { room: 'fb-1', name: 'ada' }, id: 1 })]);

    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ accepted: 1 });
    expect((await session.envelope('join', 1)).data).toEqual({ room: 'fb-1', members: ['ada'] });
  });

  it('is a WsConnection with transport "sse" in the registry', async () => {
    const session = await openSession();
    await session.envelope('$session');

    const client = sample.app.get(ConnectionRegistry).get(session.opened.session);

    expect(client?.transport).toBe('sse');
    expect(client?.gateway).toBe('ChatGateway');
  });

  it('chats both ways with a WebSocket member of the same room', async () => {
    const session = await openSession();
    const socket = await WsTestClient.connect(`${sample.wsUrl}/chat`);
    sockets.push(socket);
    await session.post([JSON.stringify({ event: 'join', data: { room: 'fb-2', name: 'sse' }, id: 1 })]);
    await session.envelope('join', 1);
    await socket.request('join', { room: 'fb-2', name: 'ws' }, 1);

    await session.post([JSON.stringify({ event: 'say', data: { room: 'fb-2', text: 'from sse' } })]);
    const heard = await socket.nextEnvelope((envelope) => envelope.event === 'said');
    await socket.sendEvent('say', { room: 'fb-2', text: 'from ws' });

    expect(heard.data).toMatchObject({ from: 'sse', text: 'from sse' });
    expect((await session.next((e) => e.data.includes('from ws'))).data).toContain('"from":"ws"');
  });

  it('delivers a batch of messages in one POST in order', async () => {
    const session = await openSession();
    const batch = [1, 2, 3].map((id) => JSON.stringify({ event: 'join', data: { room: `fb-batch-${id}`, name: 'ada' }, id }));

    expect((await session.post(batch)).status).toBe(202);
    for (const id of [1, 2, 3]) await session.envelope('join', id);
    const ids = session.events.map((e) => JSON.parse(e.data) as { event: string; id?: number }).filter((e) => e.event === 'join').map((e) => e.id);

    expect(ids).toEqual([1, 2, 3]);
  });

  it('answers a validation failure of the gateway pipe with an error envelope on the stream', async () => {
    const session = await openSession();

    await session.post([JSON.stringify({ event: 'join', data: { room: 'fb-3' }, id: 9 })]);
    const error = await session.envelope('error', 9);

    expect(error.data).toMatchObject({ event: 'join', code: 'VALIDATION_FAILED' });
  });

  it('answers malformed JSON with BAD_MESSAGE and keeps the session', async () => {
    const session = await openSession();

    await session.post(['{not json']);
    const error = await session.envelope('error');
    await session.post([JSON.stringify({ event: 'join', data: { room: 'fb-4', name: 'ada' }, id: 2 })]);

    expect(error.data).toMatchObject({ code: 'BAD_MESSAGE' });
    expect((await session.envelope('join', 2)).data).toEqual({ room: 'fb-4', members: ['ada'] });
  });

  it('leaves the rooms and the registry when the reader drops the stream', async () => {
    const session = await openSession();
    const socket = await WsTestClient.connect(`${sample.wsUrl}/chat`);
    sockets.push(socket);
    await session.post([JSON.stringify({ event: 'join', data: { room: 'fb-5', name: 'leaver' }, id: 1 })]);
    await session.envelope('join', 1);
    await socket.request('join', { room: 'fb-5', name: 'stays' }, 1);

    session.drop();
    const left = await socket.nextEnvelope((envelope) => envelope.event === 'left');

    expect(left.data).toEqual({ room: 'fb-5', name: 'leaver' });
    expect(sample.app.get(ConnectionRegistry).get(session.opened.session)).toBeUndefined();
  });

  it('leaves a GET without Accept: text/event-stream, and a POST without the session header, to the application', async () => {
    const page = await fetch(`${sample.httpUrl}/chat`);
    const post = await fetch(`${sample.httpUrl}/chat`, { method: 'POST', body: 'x' });

    expect(page.status).toBe(404);
    expect(post.status).toBe(404);
  });
});
