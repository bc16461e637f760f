import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// `npm run lint:imports` keeps lib/ in DESIGN.md's layer order. These cases show the rules can fail:
// a small lib/ with one breach of each kind is checked with the repository's own configuration.

const ROOT = join(__dirname, '..', '..', '..');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** Runs the check on a lib/ made of `files`; returns its exit code and output. */
const check = (files: Record<string, string>): { status: number | null; output: string } => {
  const dir = mkdtempSync(join(tmpdir(), 'import-graph-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions":{"strict":true}}');
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), source);
    }
    const run = spawnSync(DEPCRUISE, ['lib', '--config', CONFIG, '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe('the import graph check (.dependency-cruiser.cjs)', () => {
  it('passes imports that point down the layers', () => {
    const { status, output } = check({
      'lib/protocol/p.ts': 'export const P = 1;',
      'lib/transport/t.ts': "import { P } from '../protocol/p'; export const T = P;",
      'lib/gateway/g.ts': "import { T } from '../transport/t'; export const G = T;",
      'lib/websocket.module.ts': "import { G } from './gateway/g'; export const M = G;",
    });
    expect({ status, output }).toEqual({ status: 0, output: expect.stringContaining('no dependency violations') });
  });

  it.each([
    ['an upward import', { 'lib/rooms/r.ts': "import { H } from '../history/h'; export const R = H;", 'lib/history/h.ts': 'export const H = 1;' }, 'rooms-imports-down'],
    ['a layer importing the composition root', { 'lib/gateway/g.ts': "import { M } from '../websocket.module'; export const G = M;", 'lib/websocket.module.ts': 'export const M = 1;' }, 'gateway-imports-down'],
    ['a circle inside one layer', { 'lib/gateway/a.ts': "import { B } from './b'; export const A = () => B;", 'lib/gateway/b.ts': "import { A } from './a'; export const B = () => A;" }, 'no-circular'],
    ['a Node built-in in the browser client', { 'lib/client/c.ts': "import { readFileSync } from 'node:fs'; export const C = readFileSync;" }, 'browser-safe'],
    ['the testing subpath reaching into the server', { 'lib/testing/t.ts': "import { G } from '../gateway/g'; export const T = G;", 'lib/gateway/g.ts': 'export const G = 1;' }, 'subpaths-stand-alone'],
    ['a module importing the public index', { 'lib/rooms/r.ts': "import { X } from '../index'; export const R = X;", 'lib/index.ts': 'export const X = 1;' }, 'public-api-only-in-index'],
  ])('fails on %s', (_what, files, rule) => {
    const { status, output } = check(files);
    expect(status).not.toBe(0);
    expect(output).toContain(`error ${rule}:`);
  });
});
