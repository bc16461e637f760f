import { Logger } from '@nestjs/common';
import { runClustered } from '../../lib';
import { createApp } from './create-app';
import { workerCount } from './workers';

async function main(): Promise<void> {
  const app = await createApp();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  new Logger('Sample').log(`listening on http://localhost:${port} (ws://localhost:${port}/echo)`);
}

// WORKERS=N: N workers share the port, the primary relays between their IpcAdapters.
const workers = workerCount();
void (workers > 1 ? runClustered(main, { workers }) : main());
