// Handshake guards and origins (test/e2e/gateway/handshake-guards.e2e-spec.ts) with
// nest-rfc6455/testing: query and headers at the handshake, refusals asserted by status.
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConnectionRegistry } from '../../../lib';
import { closeAllTestClients, connectToGateway, expectRefusal } from '../../../lib/testing';
import { HandshakeModule } from '../../fixtures/gateways/handshake.gateway';

describe('handshake guards and origins, tested with nest-rfc6455/testing', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [HandshakeModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterEach(closeAllTestClients);
  afterAll(async () => {
    await app.close();
  });

  describe('@UseHandshakeGuards', () => {
    it('answers 401 when a guard throws UnauthorizedException, before any connection exists', async () => {
      const refusal = await expectRefusal(app, '/secure', 401);

      expect(refusal.body).toContain('a token is required');
      expect(app.get(ConnectionRegistry).count).toBe(0);
    });

    it('answers 403 when an async guard resolves false, and when one throws ForbiddenException', async () => {
      await expectRefusal(app, '/secure', 403, { query: { token: 'forged' } });

      expect((await expectRefusal(app, '/secure', 403, { query: { token: 't-banned' } })).body).toContain('banned');
    });

    it('answers 500 without details when a guard throws an unexpected error', async () => {
      const refusal = await expectRefusal(app, '/secure', 500, { query: { token: 't-ada' }, headers: { 'x-tenant': 'explode' } });

      expect(refusal.body).not.toContain('tenant store');
    });

    it('puts what the guards attached, from the query and the headers, into the connection’s data', async () => {
      const ws = await connectToGateway(app, '/secure', { query: { token: 't-ada' }, headers: { 'x-tenant': 'acme' } });

      expect(await ws.request('whoami')).toEqual({ user: { name: 'ada', role: 'admin' }, tenant: 'acme' });
    });

    it('keeps the data of each connection apart', async () => {
      const [ada, bob] = await Promise.all([
        connectToGateway(app, '/secure', { query: { token: 't-ada' } }),
        connectToGateway(app, '/secure', { query: { token: 't-bob' } }),
      ]);

      expect(await Promise.all([ada.request('whoami'), bob.request('whoami')])).toEqual([
        { user: { name: 'ada', role: 'admin' }, tenant: 'default' },
        { user: { name: 'bob', role: 'member' }, tenant: 'default' },
      ]);
    });
  });

  describe('allowedOrigins', () => {
    it('answers 403 to an Origin that is not on the list, naming it', async () => {
      const refusal = await expectRefusal(app, '/browser-only', 403, { headers: { origin: 'https://evil.example' } });

      expect(refusal.body).toContain('https://evil.example');
    });

    it('accepts an Origin on the list, and clients that send none', async () => {
      const page = await connectToGateway(app, '/browser-only', { headers: { origin: 'http://localhost:5173' } });
      const service = await connectToGateway(app, '/browser-only');

      expect(await page.request('hello')).toBe('hello from an allowed origin');
      expect(await service.request('hello')).toBe('hello from an allowed origin');
    });

    it('compares origins exactly: another scheme or port is another origin', async () => {
      await expectRefusal(app, '/browser-only', 403, { headers: { origin: 'http://app.example' } });
      await expectRefusal(app, '/browser-only', 403, { headers: { origin: 'http://localhost:5174' } });
    });
  });

  describe('what the helpers report', () => {
    it('fails expectRefusal with the status that came instead', async () => {
      await expect(expectRefusal(app, '/secure', 403)).rejects.toThrow(/expected the handshake on \/secure to be refused with 403, it was refused with 401/);
    });

    it('fails expectRefusal when the handshake is accepted', async () => {
      await expect(expectRefusal(app, '/inline-guard', 403, { query: { open: 'yes' } })).rejects.toThrow(
        'expected the handshake on /inline-guard to be refused with 403, but it was accepted',
      );
    });

    it('answers 404 for a path no gateway serves', async () => {
      await expectRefusal(app, '/nowhere', 404);
    });
  });
});
