// ws /chat (DESIGN.md, "Wire contract: the sample app"): join, leave, say; said, joined, left.
import { retainedIn, useSampleApp } from '../../../helpers/sample-suite';

interface Said {
  room: string;
  from: string;
  text: string;
  at: string;
}

/** `at` is an ISO 8601 timestamp taken while the message was on its way. */
const expectIsoBetween = (at: string, before: number, after: number): void => {
  expect(new Date(at).toISOString()).toBe(at);
  expect(Date.parse(at)).toBeGreaterThanOrEqual(before);
  expect(Date.parse(at)).toBeLessThanOrEqual(after);
};

describe('ws /chat', () => {
  const suite = useSampleApp();

  describe('join', () => {
    it('replies to join with the room and the names of its members, the joiner included', async () => {
      await suite.joinChat('join-reply', 'alice');
      const bob = await suite.connect('/chat');

      const reply = await bob.request('join', { room: 'join-reply', name: 'bob' });

      expect(reply).toEqual({ event: 'join', data: { room: 'join-reply', members: ['alice', 'bob'] }, id: 1 });
    });

    it('pushes joined {room, name} to every member, the joiner included', async () => {
      const alice = await suite.joinChat('join-push', 'alice');
      const bob = await suite.connect('/chat');

      bob.send('join', { room: 'join-push', name: 'bob' });

      expect(await alice.next('joined')).toEqual({ event: 'joined', data: { room: 'join-push', name: 'bob' }, ...retainedIn('join-push') });
      expect(await bob.next('joined')).toEqual({ event: 'joined', data: { room: 'join-push', name: 'bob' }, ...retainedIn('join-push') });
    });

    it('answers an invalid join body with a VALIDATION_FAILED error envelope and keeps the connection open', async () => {
      const client = await suite.connect('/chat');

      const answer = await client.request('join', { room: 'not a room!', name: '' });

      expect(answer).toEqual({
        event: 'error',
        data: {
          event: 'join',
          code: 'VALIDATION_FAILED',
          message: 'validation failed',
          details: expect.arrayContaining(['room may hold letters, digits, "_" and "-"', 'name must be longer than or equal to 1 characters']),
        },
        id: 1,
      });
      expect(await client.request('join', { room: 'after-error', name: 'alice' })).toMatchObject({ event: 'join', data: { room: 'after-error' }, id: 2 });
    });

    it('answers join properties the DTO does not declare with VALIDATION_FAILED', async () => {
      const client = await suite.connect('/chat');

      const answer = await client.request('join', { room: 'extra', name: 'alice', admin: true });

      expect(answer).toMatchObject({ event: 'error', data: { event: 'join', code: 'VALIDATION_FAILED', details: ['property admin should not exist'] } });
    });
  });

  describe('say', () => {
    it('delivers said {room, from, text, at} to every member, the sender included, and to no one outside the room', async () => {
      const alice = await suite.joinChat('say-room', 'alice');
      const bob = await suite.joinChat('say-room', 'bob');
      await alice.next('joined'); // bob's arrival
      const carol = await suite.joinChat('say-elsewhere', 'carol');
      const before = Date.now();

      alice.send('say', { room: 'say-room', text: 'hello, room' });

      const toBob = await bob.next('said');
      const toAlice = await alice.next('said');
      const after = Date.now();
      expect(toBob).toEqual({ event: 'said', data: { room: 'say-room', from: 'alice', text: 'hello, room', at: expect.any(String) }, ...retainedIn('say-room') });
      expect(toAlice).toEqual(toBob);
      expectIsoBetween((toBob.data as Said).at, before, after);
      await carol.settle();
      expect(carol.unreadEnvelopes('said')).toEqual([]);
    });

    it('does not reply to say itself, even when the request carries an id', async () => {
      const alice = await suite.joinChat('say-no-reply', 'alice');

      alice.send('say', { room: 'say-no-reply', text: 'hi' }, 'say-1');

      await alice.next('said');
      await alice.settle();
      // Presence pushes from the join may still be unread; no reply to `say` is.
      expect(alice.unreadEnvelopes().filter((envelope) => envelope.event !== 'presence')).toEqual([]);
    });

    it('answers say to a room the sender has not joined with a NOT_A_MEMBER error envelope from the sample filter', async () => {
      const alice = await suite.joinChat('say-member', 'alice');
      const bob = await suite.joinChat('say-other', 'bob');

      const answer = await bob.request('say', { room: 'say-member', text: 'let me in' });

      expect(answer).toEqual({
        event: 'error',
        data: { event: 'say', code: 'NOT_A_MEMBER', message: 'you have not joined "say-member"', details: { room: 'say-member' } },
        id: 2,
      });
      await alice.settle();
      expect(alice.unreadEnvelopes('said')).toEqual([]);
    });

    it('answers say without text with VALIDATION_FAILED', async () => {
      const alice = await suite.joinChat('say-empty', 'alice');

      const answer = await alice.request('say', { room: 'say-empty', text: '' });

      expect(answer).toMatchObject({ event: 'error', data: { event: 'say', code: 'VALIDATION_FAILED', details: ['text must be longer than or equal to 1 characters'] } });
    });
  });

  describe('leave', () => {
    it('replies to leave with the room and pushes left {room, name} to the members who stay, not to the leaver', async () => {
      const alice = await suite.joinChat('leave-room', 'alice');
      const bob = await suite.joinChat('leave-room', 'bob');
      await alice.next('joined'); // bob's arrival

      const reply = await bob.request('leave', { room: 'leave-room' });

      expect(reply).toEqual({ event: 'leave', data: { room: 'leave-room' }, id: 2 });
      expect(await alice.next('left')).toEqual({ event: 'left', data: { room: 'leave-room', name: 'bob' }, ...retainedIn('leave-room') });
      expect(bob.unreadEnvelopes('left')).toEqual([]);
    });

    it('stops delivering said to a connection that left the room', async () => {
      const alice = await suite.joinChat('leave-quiet', 'alice');
      const bob = await suite.joinChat('leave-quiet', 'bob');
      await bob.request('leave', { room: 'leave-quiet' });

      alice.send('say', { room: 'leave-quiet', text: 'anyone?' });

      expect(await alice.next('said')).toMatchObject({ data: { text: 'anyone?' } });
      await bob.settle();
      expect(bob.unreadEnvelopes('said')).toEqual([]);
    });

    it('answers leave of a room not joined with NOT_A_MEMBER', async () => {
      const client = await suite.connect('/chat');

      const answer = await client.request('leave', { room: 'never-joined' });

      expect(answer).toEqual({
        event: 'error',
        data: { event: 'leave', code: 'NOT_A_MEMBER', message: 'you have not joined "never-joined"', details: { room: 'never-joined' } },
        id: 1,
      });
    });
  });

  describe('disconnect', () => {
    it('pushes left {room, name} to the members of every room a closed connection was in', async () => {
      const alice = await suite.joinChat('gone-a', 'alice');
      const carol = await suite.joinChat('gone-b', 'carol');
      const bob = await suite.joinChat('gone-a', 'bob');
      await bob.request('join', { room: 'gone-b', name: 'bob' });

      await bob.close();

      expect(await alice.next('left')).toEqual({ event: 'left', data: { room: 'gone-a', name: 'bob' }, ...retainedIn('gone-a') });
      expect(await carol.next('left')).toEqual({ event: 'left', data: { room: 'gone-b', name: 'bob' }, ...retainedIn('gone-b') });
    });
  });

  it('answers a message that is not JSON with BAD_MESSAGE and keeps the connection open', async () => {
    const client = await suite.connect('/chat');

    client.socket.send('not json');

    expect(await client.next('error')).toEqual({ event: 'error', data: { code: 'BAD_MESSAGE', message: 'bad message: message is not valid JSON' } });
    expect(await client.request('join', { room: 'still-open', name: 'alice' })).toMatchObject({ event: 'join', id: 1 });
  });
});
