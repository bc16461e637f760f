// test/setup/side-by-side.sh, which test:all runs its npm-bound steps with: the commands run at the
// same time, each log is printed whole in the order given, and any failure fails the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'setup', 'side-by-side.sh');
/** A hang guard for the first command's wait on the second, not a timing bound. */
const WAIT_S = 20;

const sideBySide = (...commands: string[]): { status: number | null; stdout: string } => {
  const { status, stdout } = spawnSync('bash', [SCRIPT, ...commands], { encoding: 'utf8' });
  return { status, stdout };
};

describe('side-by-side.sh', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'side-by-side-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the commands at the same time, and prints each log whole, in the order given', () => {
    // The first ends only once the second has started: run one after the other, it would give up.
    const first = `echo first starts; timeout ${WAIT_S} bash -c 'until [ -e ${dir}/second ]; do sleep 0.01; done' && echo first ends`;
    const second = `echo second starts; touch ${dir}/second; echo second ends`;

    expect(sideBySide(first, second)).toEqual({
      status: 0,
      stdout: `── ${first} (exit 0)\nfirst starts\nfirst ends\n── ${second} (exit 0)\nsecond starts\nsecond ends\n`,
    });
  });

  it('fails when any command fails, after every log', () => {
    expect(sideBySide('echo one; exit 3', 'echo two')).toEqual({ status: 1, stdout: '── echo one; exit 3 (exit 3)\none\n── echo two (exit 0)\ntwo\n' });
  });

  it('refuses to run nothing', () => {
    expect(sideBySide().status).toBe(2);
  });
});
