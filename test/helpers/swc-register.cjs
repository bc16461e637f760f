// Lets a child Node process (a server the tests measure from outside) load the TypeScript sources:
// `node -r ./test/helpers/swc-register.cjs test/fixtures/deflate-server.ts`. The same swc options as
// jest.config.js; only this repository's own .ts files are compiled, node_modules load as they are.
// Suites start a few hundred such processes, each loading about 200 files: what swc made is kept in
// node_modules/.cache/swc-register under a hash of everything it depends on (source, path, options,
// swc's version), so a process whose files are unchanged since the last one compiles nothing.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: `node -r` loads it before any compiler runs */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { extname, join } = require('node:path');

const OPTIONS = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const CACHE_DIR = join(__dirname, '..', '..', 'node_modules', '.cache', 'swc-register');
const CACHE_SALT = `${require('@swc/core/package.json').version}\0${JSON.stringify(OPTIONS)}`;

/** swc's output for `filename`, from the cache, else compiled (loading swc only then) and cached. */
function compile(source, filename) {
  const cached = join(CACHE_DIR, `${createHash('sha256').update(CACHE_SALT).update('\0').update(filename).update('\0').update(source).digest('hex')}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // not compiled yet
  }
  const { code } = require('@swc/core').transformSync(source, { ...OPTIONS, filename });
  // Written aside, then renamed: processes starting together never read a half-written file.
  const partial = `${cached}.${process.pid}`;
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(partial, code);
  renameSync(partial, cached);
  return code;
}

const previous = require.extensions['.ts'];
require.extensions['.ts'] = function compileTypeScript(module, filename) {
  if (filename.includes('/node_modules/') || extname(filename) !== '.ts') {
    if (previous) return previous(module, filename);
    throw new Error(`cannot load ${filename}`);
  }
  module._compile(compile(readFileSync(filename, 'utf8'), filename), filename);
};
