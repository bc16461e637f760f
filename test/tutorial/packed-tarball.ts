// `npm pack` of the working tree, as a user does before the package is on the registry. It runs in a
// copy under the run's temp dir (node_modules linked), so the build it triggers through `prepare`
// writes no dist/ into the working tree that other runs may be reading.
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { runStep } from './command';

/** What `npm pack` copies: the sources the build reads, and the files npm always packs. */
const PACKED_INPUTS = ['lib', 'package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.client-esm.json'];

/** Every file package.json points a consumer at (main, types, each exports target), as tar lists it. */
function entryPointsOf(manifest: PackageManifest): string[] {
  const targets: string[] = [manifest.main, manifest.types];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  return [...new Set(targets)].map((target) => `package/${target.replace(/^\.\//, '')}`);
}

interface PackageManifest {
  main: string;
  types: string;
  exports: unknown;
}

/** Packs the working tree at `repoRoot` into `tempDir` and returns the tarball's path. */
export function packWorkingTree(repoRoot: string, tempDir: string): string {
  const copy = join(tempDir, 'nest-rfc6455');
  mkdirSync(copy);
  for (const input of PACKED_INPUTS) cpSync(join(repoRoot, input), join(copy, input), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
  const tarball = runStep('npm', ['pack', '--silent', '--pack-destination', tempDir], { cwd: copy }).trim().split('\n').pop();
  if (!tarball?.endsWith('.tgz')) throw new Error(`npm pack named no tarball: "${tarball}"`);
  const path = join(tempDir, tarball);
  const entries = new Set(runStep('tar', ['-tzf', path], { cwd: tempDir }).split('\n'));
  const manifest = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as PackageManifest;
  const missing = entryPointsOf(manifest).filter((entry) => !entries.has(entry));
  if (missing.length > 0) throw new Error(`${tarball} lacks ${missing.join(', ')}`);
  const sources = [...entries].filter((entry) => entry.startsWith('package/lib/') || entry.startsWith('package/test/'));
  if (sources.length > 0) throw new Error(`${tarball} ships sources or tests: ${sources.slice(0, 5).join(', ')}`);
  return path;
}
