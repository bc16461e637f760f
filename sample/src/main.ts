import { Logger } from '@nestjs/common';
import { runClustered } from '../../lib';
import { createApp } from './create-app';
import { tlsCredentials } from './tls-credentials';
import { workerCount } from './workers';

async function main(): Promise<void> {
  // HTTP2=1: HTTPS with HTTP/2 (RFC 8441 for WebSockets) and HTTP/1.1 on the same port.
  const http2 = process.env.HTTP2 === '1' ? await tlsCredentials() : undefined;
  const app = await createApp({ http2 });
  const port = Number(process.env.PORT ?? 3000);
  // Every interface, as Express listens by default (Fastify's default is localhost only).
  await (http2 ? app.listen(port, '0.0.0.0') : app.listen(port));
  const [scheme, wsScheme] = http2 ? ['https', 'wss'] : ['http', 'ws'];
  new Logger('Sample').log(`listening on ${scheme}://localhost:${port} (${wsScheme}://localhost:${port}/echo)${http2 ? ', HTTP/2 and HTTP/1.1' : ''}`);
}

// WORKERS=N: N workers share the port, the primary relays between their IpcAdapters.
const workers = workerCount();
void (workers > 1 ? runClustered(main, { workers }) : main());
