// Lets a child Node process (a server the tests measure from outside) load the TypeScript sources:
// `node -r ./test/helpers/swc-register.cjs test/fixtures/deflate-server.ts`. The same swc options as
// jest.config.js; only this repository's own .ts files are compiled, node_modules load as they are.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: `node -r` loads it before any compiler runs */
const { readFileSync } = require('node:fs');
const { extname } = require('node:path');
const { transformSync } = require('@swc/core');

const OPTIONS = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const previous = require.extensions['.ts'];
require.extensions['.ts'] = function compileTypeScript(module, filename) {
  if (filename.includes('/node_modules/') || extname(filename) !== '.ts') {
    if (previous) return previous(module, filename);
    throw new Error(`cannot load ${filename}`);
  }
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...OPTIONS, filename });
  module._compile(code, filename);
};
