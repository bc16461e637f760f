// Issue 16, problem 2: socket.io's `cors: { origin }` on a gateway moved from it means allowedOrigins.
import { Module } from '@nestjs/common';
import { Gateway, OnMessage, WebSocketModule } from '../../../lib';
import { connectToGateway, expectRefusal } from '../../../lib/testing';
import { useCompatApp } from './compat-app';

class Ping {
  @OnMessage('ping')
  ping(): string {
    return 'pong';
  }
}

@Gateway({ path: '/listed', cors: { origin: ['https://app.example.com', /^https:\/\/[a-z]+\.example\.org$/] } })
class ListedGateway extends Ping {}

@Gateway({ path: '/one', cors: { origin: 'https://app.example.com' } })
class OneOriginGateway extends Ping {}

@Gateway({ path: '/any', cors: { origin: true } })
class AnyOriginGateway extends Ping {}

@Gateway({ path: '/star', cors: { origin: '*' } })
class StarGateway extends Ping {}

@Gateway({ path: '/same-origin', cors: { origin: false } })
class SameOriginGateway extends Ping {}

/** As socket.io gateways write it: CORS's other fields compile, and only origin decides. */
@Gateway({ path: '/socket-io-form', cors: { origin: 'https://app.example.com', credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['authorization'] } })
class SocketIoFormGateway extends Ping {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [ListedGateway, OneOriginGateway, AnyOriginGateway, StarGateway, SameOriginGateway, SocketIoFormGateway] })
class AppModule {}

describe('cors: { origin } on @Gateway', () => {
  const app = useCompatApp(AppModule);


  const accepts = async (path: string, origin: string): Promise<void> => {
    const ws = await connectToGateway(app(), path, { headers: { origin } });
    await expect(ws.request('ping')).resolves.toBe('pong');
  };

  it('accepts the origins a list names, by string or RegExp, and refuses others with 403', async () => {
    await accepts('/listed', 'https://app.example.com');
    await accepts('/listed', 'https://docs.example.org');
    await expectRefusal(app(), '/listed', 403, { headers: { origin: 'https://evil.example.net' } });
  });

  it('accepts the one origin a string names', async () => {
    await accepts('/one', 'https://app.example.com');
    await expectRefusal(app(), '/one', 403, { headers: { origin: 'https://other.example.com' } });
  });

  it.each(['/any', '/star'])('accepts any origin on %s (origin: true or "*")', async (path) => {
    await accepts(path, 'https://anywhere.example.net');
  });

  it("takes socket.io's cors with credentials, methods and allowedHeaders as its origin alone", async () => {
    await accepts('/socket-io-form', 'https://app.example.com');
    await expectRefusal(app(), '/socket-io-form', 403, { headers: { origin: 'https://other.example.com' } });
  });

  it('accepts only same-origin pages with origin: false', async () => {
    const { port } = app().getHttpServer().address() as { port: number };
    await accepts('/same-origin', `http://127.0.0.1:${port}`);
    await expectRefusal(app(), '/same-origin', 403, { headers: { origin: 'https://app.example.com' } });
  });
});
