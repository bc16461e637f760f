// One project made by the Nest CLI's own template, taken through README.md's tutorial as a reader
// would: install, generate, edit, build, talk to the running app, then the project's own e2e test.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { runBrowserExchange } from './browser-exchange';
import { runStep } from './command';
import { applyLineDiff } from './line-diff';
import { ReadmeTutorial } from './readme-tutorial';

export interface CliProject {
  /** The directory name, and the name the run reports. */
  name: string;
  /** The CLI that makes it, from the registry, with the flags that keep `new` from prompting. */
  newCommand: string[];
}

export const CLI_PROJECTS: readonly CliProject[] = [
  // Today's `nest new`: ESM, `.js` import suffixes, vitest.
  { name: 'cli12-esm', newCommand: ['@nestjs/cli@12', 'new', '--no-interactive', '--skip-skills', '--no-observe'] },
  // A project of the Nest 11 era: CommonJS, Jest.
  { name: 'cli11-commonjs', newCommand: ['@nestjs/cli@11', 'new'] },
];

const STARTED_LINE = 'Nest application successfully started';
/** A hang guard for the app's start, not a performance bound. */
const START_WAIT_MS = 60_000;

/** The subpath exports, loaded the two ways a project loads them. */
const SUBPATH_IMPORT = `import { createClient } from 'nest-rfc6455/client'; import { connectToGateway } from 'nest-rfc6455/testing';
if (typeof createClient !== 'function' || typeof connectToGateway !== 'function') throw new Error('a subpath export is missing');`;
const SUBPATH_REQUIRE = SUBPATH_IMPORT.replace(/import \{ (\w+) \} from ('[^']+');/g, 'const { $1 } = require($2);');
/** Type-checked with the project's own tsconfig (ESM nodenext, or CommonJS). */
const SUBPATH_TYPES_FILE = 'subpath-exports.check.ts';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Runs what `npm run start:prod` runs, and resolves once Nest says it has started. */
async function startApp(dir: string, port: number): Promise<ChildProcess> {
  const app = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not start within ${START_WAIT_MS} ms`), START_WAIT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(STARTED_LINE)) done();
    };
    const onExit = (code: number | null): void => fail(`exited with ${code}`);
    const done = (): void => {
      clearTimeout(timer);
      app.off('exit', onExit);
      resolve();
    };
    const fail = (why: string): void => {
      clearTimeout(timer);
      app.kill('SIGKILL');
      reject(new Error(`the app in ${dir} ${why}:\n${output}`));
    };
    app.stdout.on('data', onData);
    app.stderr.on('data', onData);
    app.once('exit', onExit);
  });
  return app;
}

async function stopApp(app: ChildProcess): Promise<void> {
  if (app.exitCode !== null || app.signalCode !== null) return;
  const exited = once(app, 'exit');
  app.kill('SIGTERM');
  await exited;
}

/** Creates the project in `tempDir` and takes it through the tutorial; throws at the first step that fails. */
export async function runTutorialIn(project: CliProject, tutorial: ReadmeTutorial, tarball: string, tempDir: string): Promise<void> {
  const dir = join(tempDir, project.name);
  const inProject = { cwd: dir };
  runStep('npx', ['--yes', ...project.newCommand, '--skip-git', '--skip-install', '--package-manager', 'npm', project.name], { cwd: tempDir });

  // The README's commands, with the tarball in place of the registry's package (README "Install").
  const install = tutorial.installCommand.map((word) => (word === 'nest-rfc6455' ? tarball : word));
  runStep(install[0], [...install.slice(1), '--prefer-offline', '--no-audit', '--no-fund'], inProject);
  runStep(tutorial.generateCommand[0], tutorial.generateCommand.slice(1), inProject);

  const appModule = join(dir, 'src', 'app.module.ts');
  writeFileSync(appModule, applyLineDiff(readFileSync(appModule, 'utf8'), tutorial.appModuleEdit));
  writeFileSync(join(dir, 'src', 'chat.gateway.ts'), tutorial.gatewaySource);
  // Checked beside the project's sources, then removed so the build and its layout are the template's.
  writeFileSync(join(dir, SUBPATH_TYPES_FILE), `${SUBPATH_IMPORT}\nexport {};\n`);
  runStep('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], inProject);
  rmSync(join(dir, SUBPATH_TYPES_FILE));
  runStep(process.execPath, ['--input-type=module', '-e', SUBPATH_IMPORT], inProject);
  runStep(process.execPath, ['--input-type=commonjs', '-e', SUBPATH_REQUIRE], inProject);
  runStep('npm', ['run', 'build'], inProject);

  const port = await freePort();
  const app = await startApp(dir, port);
  try {
    await runBrowserExchange(tutorial, port);
  } finally {
    await stopApp(app);
  }
  runStep('npm', ['run', 'test:e2e'], inProject);
}
