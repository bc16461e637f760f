// test/helpers/swc-register.cjs, which child processes load the TypeScript sources with, keeps what
// swc made between processes: a changed file must never run as it was.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGISTER = join(__dirname, '..', '..', 'helpers', 'swc-register.cjs');

const run = (entry: string): string => {
  const { status, stdout, stderr } = spawnSync(process.execPath, ['-r', REGISTER, entry], { encoding: 'utf8' });
  if (status !== 0) throw new Error(`${entry} exited with ${status}: ${stderr}`);
  return stdout;
};

describe('swc-register', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'swc-register-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a file as it is now, whether or not it ran before, unchanged or changed', () => {
    const entry = join(dir, 'entry.ts');
    const source = (value: number): string => `const value: number = ${value};\nconsole.log(value, __filename);\n`;
    writeFileSync(entry, source(1));
    const first = run(entry);
    const again = run(entry);
    writeFileSync(entry, source(2));
    const changed = run(entry);
    const sameSourceElsewhere = join(dir, 'elsewhere.ts');
    writeFileSync(sameSourceElsewhere, source(2));

    expect([first, again, changed, run(sameSourceElsewhere)]).toEqual([`1 ${entry}\n`, `1 ${entry}\n`, `2 ${entry}\n`, `2 ${sameSourceElsewhere}\n`]);
  });
});
