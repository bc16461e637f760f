// nest-rfc6455/client in the browser: lib/client compiles without Node's types (DOM lib only) to
// ES modules, and the sample serves them so that every import of the page resolves.
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
  it('compiles with tsconfig.client-esm.json (DOM lib, no Node types) to ES modules that import nothing from Node', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'nest-rfc6455-client-esm-'));
    try {
      await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.client-esm.json'), '--outDir', outDir]);
      const files = readdirSync(outDir);

      expect(files).toContain('index.js');
      for (const file of files) {
        const code = readFileSync(join(outDir, file), 'utf8');
        expect(code).not.toMatch(/\brequire\(|exports\.|from ['"]node:/);
      }
      expect(readFileSync(join(outDir, 'index.js'), 'utf8')).toContain("export { createClient, WsClient } from './ws-client';");
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

    it('serves index.js and, through it, every module it imports, as JavaScript with .js import paths', async () => {
      const served = new Set<string>();
      const pending = ['index.js'];
      while (pending.length > 0) {
        const file = pending.pop() as string;
        if (served.has(file)) continue;
        const response = await request(server).get(`/client/${file}`).expect(200).expect('Content-Type', 'text/javascript; charset=utf-8');
        served.add(file);
        for (const specifier of importsOf(response.text)) {
          expect(specifier).toMatch(/^\.\/[\w-]+\.js$/);
          pending.push(specifier.slice(2));
        }
      }

      expect([...served]).toEqual(expect.arrayContaining(['index.js', 'ws-client.js', 'backoff.js', 'outbox.js']));
    });

    it('answers 404 for a file that is not a client module, however the name is spelled', async () => {
      await request(server).get('/client/nope.js').expect(404);
      await request(server).get('/client/..%2Fpackage.json').expect(404);
      await request(server).get('/client/ws-client.ts').expect(404);
    });
  });
});
