// Peer: nest-rfc6455, the sample app (createApp(), as `npm start` runs it), compiled with the suite into
// bench/.build/dist: /echo is the raw engine, /bench the whole gateway path. It listens on loopback only.
import { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { exitWithParent, LOOPBACK, peerPort, READY_LINE } from './peer-env';

type SampleModule = { createApp(options?: object): Promise<INestApplication> };

async function main(): Promise<void> {
  // bench/.build/dist/bench/peers → bench/.build/dist/sample/src, loaded by path: only the benchmark starts it.
  const modulePath = join(__dirname, '..', '..', 'sample', 'src', 'create-app.js');
  const { createApp } = (await import(modulePath)) as SampleModule;
  const app = await createApp();
  await app.listen(peerPort(), LOOPBACK);
  console.log(READY_LINE);
}

exitWithParent();
void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
