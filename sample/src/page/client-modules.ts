import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The folders of lib/ a browser loads (tsconfig.client-esm.json compiles the same two). */
const BROWSER_FOLDERS = ['client', 'wire'] as const;

/**
 * nest-rfc6455/client as ES modules a page can import, by folder and file name (`client/index.js`,
 * `wire/envelope.js`, …): the client and the wire contract it shares with the server.
 *
 * Built (`npm start`): dist/client-esm, compiled by `npm run build:client-esm`. From the sources
 * (Jest runs the sample's .ts files): lib/client and lib/wire, transpiled here on first use, so tests
 * never see a stale build. Either way relative imports get their `.js`, which browsers need and tsc omits.
 */
export function loadClientModules(): Map<string, string> {
  const isBuilt = __filename.endsWith('.js');
  // dist/sample/src/page → dist/client-esm; sample/src/page → lib.
  const root = isBuilt ? join(__dirname, '..', '..', '..', 'client-esm') : join(__dirname, '..', '..', '..', 'lib');
  const modules = new Map<string, string>();
  for (const folder of BROWSER_FOLDERS) {
    for (const file of readdirSync(join(root, folder))) {
      if (isBuilt ? !file.endsWith('.js') : !file.endsWith('.ts')) continue;
      const source = readFileSync(join(root, folder, file), 'utf8');
      const code = isBuilt ? source : transpileToEsm(source, file);
      modules.set(`${folder}/${file.replace(/\.ts$/, '.js')}`, withJsExtensions(code));
    }
  }
  return modules;
}

/** `from './backoff'` → `from './backoff.js'`: a browser resolves imports as URLs, without guessing extensions. */
function withJsExtensions(code: string): string {
  return code.replace(/(\bfrom\s*['"])(\.{1,2}\/[^'"]+?)(['"])/g, (whole, start: string, path: string, end: string) =>
    /\.m?js$/.test(path) ? whole : `${start}${path}.js${end}`,
  );
}

/** Sources mode only: TypeScript is a devDependency, loaded when no build is there. */
function transpileToEsm(source: string, fileName: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  return ts.transpileModule(source, {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, isolatedModules: true },
  }).outputText;
}
