// POST /rooms/:room/messages (DESIGN.md, "Wire contract: the sample app"): HTTP pushes to ws members.
import request from 'supertest';
import { retainedIn, useSampleApp } from '../../../helpers/sample-suite';

describe('POST /rooms/:room/messages', () => {
  const suite = useSampleApp();

  it('answers 202 with the member count and pushes said {room, from: "server", text, at} to every member of the room only', async () => {
    const alice = await suite.joinChat('rest-room', 'alice');
    const bob = await suite.joinChat('rest-room', 'bob');
    const carol = await suite.joinChat('rest-elsewhere', 'carol');
    const before = Date.now();

    const response = await request(suite.app.server).post('/rooms/rest-room/messages').send({ text: 'from the REST side' }).expect(202);

    expect(response.body).toEqual({ room: 'rest-room', members: 2 });
    const toAlice = await alice.next('said');
    const toBob = await bob.next('said');
    expect(toAlice).toEqual({ event: 'said', data: { room: 'rest-room', from: 'server', text: 'from the REST side', at: expect.any(String) }, ...retainedIn('rest-room') });
    expect(toBob).toEqual(toAlice);
    const { at } = toAlice.data as { at: string };
    expect(new Date(at).toISOString()).toBe(at);
    expect(Date.parse(at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
    await carol.settle();
    expect(carol.unreadEnvelopes('said')).toEqual([]);
  });

  it('answers 202 with zero members when nobody is in the room', async () => {
    const response = await request(suite.app.server).post('/rooms/empty-room/messages').send({ text: 'hello?' }).expect(202);

    expect(response.body).toEqual({ room: 'empty-room', members: 0 });
  });

  it.each([
    ['no text', {}, 'text must be a string'],
    ['an empty text', { text: '' }, 'text must be longer than or equal to 1 characters'],
    ['a text that is not a string', { text: 42 }, 'text must be a string'],
    ['a text over 2000 characters', { text: 'x'.repeat(2001) }, 'text must be shorter than or equal to 2000 characters'],
  ])('answers 400 and pushes nothing for a body with %s', async (_label, body, message) => {
    const alice = await suite.joinChat('rest-invalid', 'alice');

    const response = await request(suite.app.server).post('/rooms/rest-invalid/messages').send(body).expect(400);

    expect(response.body).toMatchObject({ statusCode: 400, message: expect.arrayContaining([message]) });
    await alice.settle();
    expect(alice.unreadEnvelopes('said')).toEqual([]);
  });
});
