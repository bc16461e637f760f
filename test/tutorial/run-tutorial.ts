// The README's five-minute tutorial, run as written on projects the Nest CLI makes today (issue 16):
// `npm pack` of the working tree, then for each template in CLI_PROJECTS the README's install and
// generate commands, its app.module.ts edit and gateway, a build, the browser-console exchange
// against the running app, and the project's generated e2e test.
//
//   npm run test:tutorial
//
// Everything is made under one temp dir, removed at the end; npm's own cache is used (--prefer-offline).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packWorkingTree } from './packed-tarball';
import { readReadmeTutorial } from './readme-tutorial';
import { CLI_PROJECTS, runTutorialIn } from './tutorial-project';

const ROOT = join(__dirname, '..', '..');

async function main(): Promise<number> {
  const tempDir = mkdtempSync(join(tmpdir(), 'nest-rfc6455-tutorial-'));
  let passed = 0;
  let failed = 0;
  try {
    const tutorial = readReadmeTutorial(ROOT);
    const tarball = packWorkingTree(ROOT, tempDir);
    for (const project of CLI_PROJECTS) {
      const startedAt = Date.now();
      try {
        await runTutorialIn(project, tutorial, tarball, tempDir);
        passed += 1;
        console.log(`PASS ${project.name} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)`);
      } catch (error) {
        failed += 1;
        console.error(`FAIL ${project.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } catch (error) {
    failed += 1;
    console.error(`FAIL before any project: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
  console.log(`tutorial: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed === CLI_PROJECTS.length ? 0 : 1;
}

void main().then((code) => {
  process.exitCode = code;
});
