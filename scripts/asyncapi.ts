// `npm run asyncapi [file]`: writes the AsyncAPI 3 document of the sample app's gateways, the same
// one GET /asyncapi.json serves, to `file` (default dist/asyncapi.json). The app is initialised
// (gateways discovered, nothing listens) and closed again.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AsyncApiGenerator } from '../lib';
import { AppModule } from '../sample/src/app.module';
import { SAMPLE_ASYNCAPI_INFO } from '../sample/src/asyncapi/asyncapi.controller';

async function main(): Promise<void> {
  const file = resolve(process.argv[2] ?? 'dist/asyncapi.json');
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
  try {
    await app.init();
    const document = await app.get(AsyncApiGenerator).generate({ info: SAMPLE_ASYNCAPI_INFO });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${file}: ${Object.keys(document.channels).length} channels, ${Object.keys(document.operations).length} operations`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
