// One project made by the Nest CLI's own template, taken through README.md's tutorial as a reader
// would: install, generate, edit, build, talk to the running app, then the project's own e2e test.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runBrowserExchange } from './browser-exchange';
import { runStep } from './command';
import { applyLineDiff } from './line-diff';
import { ReadmeTutorial } from './readme-tutorial';

export interface CliProject {
  /** The directory name, and the name the run reports. */
  name: string;
  /** The CLI that makes it, from the registry, with the flags that keep `new` from prompting. */
  newCommand: string[];
  /** The Node major the generated e2e test needs, when it is newer than the one running this. */
  e2eNodeMajor?: number;
}

const CLI_12_NEW = ['@nestjs/cli@12', 'new', '--no-interactive', '--skip-skills', '--no-observe'];

export const CLI_PROJECTS: readonly CliProject[] = [
  // Today's `nest new`: ESM, `.js` import suffixes, vitest.
  { name: 'cli12-esm', newCommand: CLI_12_NEW },
  // `nest new --type cjs`: CommonJS and Jest, as projects were up to Nest 11. Jest's own module
  // runtime loads Nest 12's ES modules from CommonJS only on Node 24.9+, so that test runs there.
  { name: 'cli12-commonjs', newCommand: [...CLI_12_NEW, '--type', 'cjs'], e2eNodeMajor: 24 },
];

/** A hang guard for the app's start, not a performance bound. */
const START_WAIT_MS = 60_000;
/**
 * Between two tries to connect while the app starts. Nest 12 logs "successfully started" at the end
 * of init(), before listen(): clients that connected on that line were refused one time in three.
 */
const CONNECT_RETRY_MS = 50;

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

/** Runs what `npm run start:prod` runs, and resolves once its port accepts connections. */
async function startApp(dir: string, port: number): Promise<ChildProcess> {
  const app = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  app.stdout.on('data', collect);
  app.stderr.on('data', collect);
  const deadline = Date.now() + START_WAIT_MS;
  try {
    while (!(await accepts(port))) {
      if (app.exitCode !== null || app.signalCode !== null) throw new Error(`exited with ${app.exitCode ?? app.signalCode}`);
      if (Date.now() > deadline) throw new Error(`did not listen on port ${port} within ${START_WAIT_MS} ms`);
      await delay(CONNECT_RETRY_MS);
    }
  } catch (error) {
    await stopApp(app);
    throw new Error(`the app in ${dir} ${error instanceof Error ? error.message : String(error)}:\n${output}`);
  }
  return app;
}

/** Whether localhost:port accepts a TCP connection (closed at once, before any request). */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, 'localhost');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

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
  const e2eEnv = project.e2eNodeMajor === undefined ? process.env : withNodeFromRegistry(project.e2eNodeMajor, tempDir);
  runStep('npm', ['run', 'test:e2e'], { cwd: dir, env: e2eEnv });
}

/**
 * The environment with Node `major` first on PATH: the binary npm publishes as node-<platform>-<arch>
 * (a registry package, no download script), installed under `tempDir`.
 */
function withNodeFromRegistry(major: number, tempDir: string): NodeJS.ProcessEnv {
  const prefix = join(tempDir, `node-${major}`);
  const binary = `node-${process.platform}-${process.arch}`;
  runStep('npm', ['install', '--prefix', prefix, '--no-save', '--prefer-offline', '--no-audit', '--no-fund', `${binary}@${major}`], { cwd: tempDir });
  return { ...process.env, PATH: `${join(prefix, 'node_modules', binary, 'bin')}${delimiter}${process.env.PATH ?? ''}` };
}
