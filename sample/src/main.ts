import { Logger } from '@nestjs/common';
import { createApp } from './create-app';

async function main(): Promise<void> {
  const app = await createApp();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  new Logger('Sample').log(`listening on http://localhost:${port} (ws://localhost:${port}/echo)`);
}

void main();
