// What a user's e2e test of their chat gateway looks like with nest-rfc6455/testing: the sample's
// AppModule under @nestjs/testing, clients by path, no port or URL in sight. (The same behaviour is
// covered with the `ws` client in test/e2e/sample/chat.)
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { closeAllTestClients, connectToGateway, expectRefusal, GatewayTestClient, RequestError } from '../../../lib/testing';
import { AppModule } from '../../../sample/src/app.module';

describe('the chat gateway, tested with nest-rfc6455/testing', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterEach(closeAllTestClients);
  afterAll(async () => {
    await app.close();
  });

  /** A client on /chat that has joined `room` as `name`. */
  const member = async (room: string, name: string): Promise<GatewayTestClient> => {
    const ws = await connectToGateway(app, '/chat');
    await ws.request('join', { room, name });
    await ws.expectEvent('joined', { name });
    return ws;
  };

  it('answers join with the room and the names of its members', async () => {
    await member('answers', 'ada');
    const bob = await connectToGateway(app, '/chat');

    expect(await bob.request('join', { room: 'answers', name: 'bob' })).toEqual({ room: 'answers', members: ['ada', 'bob'] });
  });

  it('delivers said to every member, the sender included, and tells the others who joined', async () => {
    const ada = await member('delivery', 'ada');
    const bob = await member('delivery', 'bob');
    await ada.expectEvent('joined', { name: 'bob' });

    ada.send('say', { room: 'delivery', text: 'hello, room' });

    expect(await bob.expectEvent('said')).toEqual({ room: 'delivery', from: 'ada', text: 'hello, room', at: expect.any(String) });
    expect(await ada.expectEvent('said', { from: 'ada' })).toMatchObject({ text: 'hello, room' });
  });

  it('rejects a say to a room the client has not joined with NOT_A_MEMBER and the room in details', async () => {
    const ada = await member('mine', 'ada');

    const refused = ada.request('say', { room: 'theirs', text: 'hi' });

    await expect(refused).rejects.toBeInstanceOf(RequestError);
    await expect(refused).rejects.toMatchObject({ code: 'NOT_A_MEMBER', message: 'you have not joined "theirs"', details: { room: 'theirs' } });
  });

  it('answers an invalid join sent without an id with a VALIDATION_FAILED error event', async () => {
    const ws = await connectToGateway(app, '/chat');

    ws.send('join', { room: 'not a room!', name: 'ada' });

    expect(await ws.expectEvent('error', { event: 'join', code: 'VALIDATION_FAILED' })).toMatchObject({
      details: ['room may hold letters, digits, "_" and "-"'],
    });
  });

  it('tells the members who left when a client disconnects', async () => {
    const ada = await member('departures', 'ada');
    const bob = await member('departures', 'bob');

    await bob.close();

    expect(await ada.expectEvent('left', { name: 'bob' })).toEqual({ room: 'departures', name: 'bob' });
  });

  it('keeps what arrived before the test asked for it, and hands out events in any order', async () => {
    const ada = await member('order', 'ada');
    ada.send('say', { room: 'order', text: 'first' });
    ada.send('say', { room: 'order', text: 'second' });
    await ada.request('join', { room: 'order-2', name: 'ada' }); // both said have arrived by now

    expect(await ada.expectEvent('said', { text: 'second' })).toMatchObject({ text: 'second' });
    expect(await ada.expectEvent('said', (said: { text: string }) => said.text.startsWith('f'))).toMatchObject({ text: 'first' });
  });

  it('closes with 1009 when a message passes the gateway’s 64 KiB limit', async () => {
    const ws = await connectToGateway(app, '/chat');

    ws.send('say', { room: 'big', text: 'x'.repeat(70 * 1024) });

    expect(await ws.expectClose(1009)).toEqual({ code: 1009, reason: expect.any(String) });
  });

  it('says what did arrive when an expected event does not', async () => {
    const ada = await member('silence', 'ada');
    ada.send('say', { room: 'silence', text: 'only this' });
    await ada.expectEvent('said');
    ada.send('say', { room: 'silence', text: 'and this' });

    await expect(ada.expectEvent('shouted', undefined, 200)).rejects.toThrow(/^expected event "shouted" within 200 ms; unread:\n[\s\S]*\{"event":"said".*"and this"/);
  });
});

describe('the private gateway’s handshake guard, tested with nest-rfc6455/testing', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterEach(closeAllTestClients);
  afterAll(async () => {
    await app.close();
  });

  it('names the client after the query once the token passes', async () => {
    const ws = await connectToGateway(app, '/private', { query: { token: 'let-me-in', name: 'zed' } });

    expect(await ws.request('whoami')).toEqual({ name: 'zed' });
  });

  it('refuses a handshake without a token with 401, and one with a wrong token with 403', async () => {
    expect((await expectRefusal(app, '/private', 401)).body).toContain('a token is required');
    expect((await expectRefusal(app, '/private', 403, { query: { token: 'let-me-out' } })).headers.connection).toBe('close');
  });
});

// Its own describe: the previous suites' apps are closed by then, and the sample's metrics can be
// registered only once per process at a time.
describe('a client of the sample, tested with nest-rfc6455/testing, when the application shuts down', () => {
  afterEach(closeAllTestClients);

  it('sees 1001', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const ws = await connectToGateway(app, '/private', { query: { token: 'let-me-in' } });

    await app.close();

    expect(await ws.expectClose(1001)).toMatchObject({ code: 1001 });
  });
});
