// nest-rfc6455/client in the browser: lib/client and the lib/wire it imports compile without Node's
// types (DOM lib only) to ES modules, and the sample serves them so that every import of the page resolves.
import { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createApp } from '../../../sample/src/create-app';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');

/** The relative specifiers a module imports or re-exports from. */
const importsOf = (code: string): string[] => [...code.matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]);

describe('the client for browsers', () => {
  it('compiles with tsconfig.client-esm.json (DOM lib, no Node types) to ES modules that import nothing from Node or outside client/ and wire/', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'nest-rfc6455-client-esm-'));
    try {
      await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.client-esm.json'), '--outDir', outDir]);

      expect(readdirSync(outDir).sort()).toEqual(['client', 'wire']);
      expect(readdirSync(join(outDir, 'client'))).toContain('index.js');
      expect(readdirSync(join(outDir, 'wire'))).toContain('envelope.js');
      for (const folder of ['client', 'wire']) {
        for (const file of readdirSync(join(outDir, folder))) {
          const code = readFileSync(join(outDir, folder, file), 'utf8');
          expect(code).not.toMatch(/\brequire\(|exports\.|from ['"]node:/);
          for (const specifier of importsOf(code)) expect(specifier).toMatch(/^(\.\/|\.\.\/(client|wire)\/)[\w-]+$/);
        }
      }
      expect(readFileSync(join(outDir, 'client', 'index.js'), 'utf8')).toContain("export { createClient, WsClient } from './ws-client';");
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  describe('GET /client/:file in the sample', () => {
    let app: INestApplication;
    let server: Server;

    beforeAll(async () => {
      app = await createApp({ logger: false });
      await app.init();
      server = app.getHttpServer() as Server;
    });
    afterAll(async () => {
      await app.close();
    });

    it('serves /client/index.js and, through it, every module it imports (the wire contract too), as JavaScript with .js import paths', async () => {
      const served = new Set<string>();
      const pending = ['/client/index.js'];
      while (pending.length > 0) {
        const path = pending.pop() as string;
        if (served.has(path)) continue;
        const response = await request(server).get(path).expect(200).expect('Content-Type', 'text/javascript; charset=utf-8');
        served.add(path);
        for (const specifier of importsOf(response.text)) {
          expect(specifier).toMatch(/^(\.\/|\.\.\/(client|wire)\/)[\w-]+\.js$/);
          // Resolved as the browser does: relative to the importing module's URL.
          pending.push(new URL(specifier, `http://page${path}`).pathname);
        }
      }

      expect([...served]).toEqual(
        expect.arrayContaining(['/client/index.js', '/client/ws-client.js', '/client/backoff.js', '/client/outbox.js', '/wire/envelope.js', '/wire/reserved-events.js']),
      );
    });

    it('answers 404 for a file that is not a client module, however the name is spelled', async () => {
      await request(server).get('/client/nope.js').expect(404);
      await request(server).get('/client/..%2Fpackage.json').expect(404);
      await request(server).get('/client/ws-client.ts').expect(404);
      await request(server).get('/wire/envelope.ts').expect(404);
      await request(server).get('/wire/..%2Fclient%2Findex.js').expect(404);
    });
  });
});
