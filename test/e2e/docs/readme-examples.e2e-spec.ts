import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartedApp, startApp } from '../../fixtures/gateways/test-app';
import { TutorialModule } from '../../fixtures/docs/tutorial';
import { WsTestClient } from '../../helpers/ws-test-client';

describe('the README examples', () => {
  let started: StartedApp;
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    started = await startApp(TutorialModule);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
  });
  afterAll(() => started.app.close());

  const connect = async (path: string): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(started.wsUrl(path));
    clients.push(client);
    return client;
  };

  describe('the five-minute tutorial', () => {
    it('joins a room, tells the others, and delivers what is said to every member', async () => {
      const ada = await connect('/chat');
      const bob = await connect('/chat');
      expect(await ada.request('join', { room: 'lobby', name: 'ada' }, 1)).toEqual({ event: 'join', data: { room: 'lobby' }, id: 1 });
      const joined = ada.nextEnvelope((envelope) => envelope.event === 'joined');
      await bob.request('join', { room: 'lobby', name: 'bob' }, 1);
      expect((await joined).data).toEqual({ room: 'lobby', name: 'bob' });

      await bob.sendEvent('say', { room: 'lobby', text: 'hi' });

      expect((await ada.nextEnvelope((envelope) => envelope.event === 'said')).data).toEqual({ room: 'lobby', from: 'bob', text: 'hi' });
      expect((await bob.nextEnvelope((envelope) => envelope.event === 'said')).data).toEqual({ room: 'lobby', from: 'bob', text: 'hi' });
    });

    it('answers a say without a room with VALIDATION_FAILED and keeps the connection open', async () => {
      const ada = await connect('/chat');

      const answer = await ada.request('say', { text: 'hi' }, 7);

      expect(answer).toMatchObject({ event: 'error', data: { event: 'say', code: 'VALIDATION_FAILED' }, id: 7 });
      expect(await ada.request('join', { room: 'lobby', name: 'ada' }, 8)).toMatchObject({ event: 'join', id: 8 });
    });

    it('tells the room who left when a member disconnects', async () => {
      const ada = await connect('/chat');
      const bob = await connect('/chat');
      await ada.request('join', { room: 'exit', name: 'ada' }, 1);
      await bob.request('join', { room: 'exit', name: 'bob' }, 1);

      await bob.close();

      expect((await ada.nextEnvelope((envelope) => envelope.event === 'left')).data).toEqual({ room: 'exit', name: 'bob' });
    });
  });

  describe('the migration guide\'s "After" gateway', () => {
    it('replies to join with the room and broadcasts say to the members', async () => {
      const ada = await connect('/migrated');
      expect(await ada.request('join', 'news', 3)).toEqual({ event: 'join', data: 'news', id: 3 });

      await ada.sendEvent('say', { room: 'news', text: 'extra' });

      expect(await ada.nextEnvelope((envelope) => envelope.event === 'said')).toEqual({ event: 'said', data: { text: 'extra' } });
    });
  });

  describe('the documented code is the code these tests run', () => {
    const repo = join(__dirname, '..', '..', '..');
    const fixture = readFileSync(join(repo, 'test', 'fixtures', 'docs', 'tutorial.ts'), 'utf8');
    /** The ```ts blocks of one `## ` section of a Markdown page, in order. */
    const tsBlocksOf = (page: string, heading: string): string[] => {
      const text = readFileSync(join(repo, page), 'utf8');
      const start = text.indexOf(`\n## ${heading}\n`);
      expect(start).toBeGreaterThanOrEqual(0);
      const next = text.indexOf('\n## ', start + 1);
      const section = text.slice(start, next === -1 ? undefined : next);
      return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
    };

    it('runs the tutorial gateway of README.md as written, imports aside', () => {
      const gateway = tsBlocksOf('README.md', 'Five minutes: from `nest new` to a room chat').find((block) => block.includes('class ChatGateway'));
      expect(gateway).toBeDefined();
      const body = gateway!.split('\n').filter((line) => !line.startsWith('import ')).join('\n').trim();
      expect(fixture).toContain(body);
    });

    it('runs the "After" gateway of docs/migration.md as written, its path and class name aside', () => {
      const after = tsBlocksOf('docs/migration.md', 'Migrating from `@nestjs/websockets` + `@nestjs/platform-ws`').find((block) => block.startsWith('@Gateway(') && block.includes('class ChatGateway {'));
      expect(after).toBeDefined();
      const [gatewayLine, classLine, ...body] = after!.trim().split('\n');
      expect(gatewayLine).toBe("@Gateway({ path: '/chat' })");
      expect(classLine).toBe('export class ChatGateway {');
      expect(fixture).toContain(`@Gateway({ path: '/migrated' })\nexport class MigratedChatGateway {\n${body.join('\n')}`);
    });
  });
});
