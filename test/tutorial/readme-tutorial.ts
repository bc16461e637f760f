// The five-minute tutorial as README.md shows it, taken apart into the steps a reader performs, so the
// tutorial run executes the page itself and the two cannot drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TUTORIAL_HEADING = 'Five minutes: from `nest new` to a room chat';

export interface ReadmeTutorial {
  /** `npm install nest-rfc6455 …`, split into words. */
  installCommand: string[];
  /** `npx nest g gateway …`, split into words. */
  generateCommand: string[];
  /** The ```diff block for src/app.module.ts. */
  appModuleEdit: string;
  /** The ```ts block that replaces src/chat.gateway.ts. */
  gatewaySource: string;
  /** The ```js block a reader pastes into a browser console, without its `// later:` line. */
  browserSnippet: string;
  /** The code after `// later: `, run once the first reply has arrived. */
  laterStatement: string;
  /** The `ws://localhost:PORT` the snippet connects to. */
  snippetOrigin: string;
}

/** The fenced blocks of one `## ` section, in order, with their info strings. */
export function fencedBlocksOf(markdown: string, heading: string): { lang: string; body: string }[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`no section "## ${heading}"`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next === -1 ? undefined : next);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((match) => ({ lang: match[1], body: match[2] }));
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`the tutorial should show exactly one ${what}, found ${items.length}`);
  return items[0];
}

const commandLine = (bash: string, prefix: string): string[] =>
  only(bash.split('\n').filter((line) => line.startsWith(prefix)), `"${prefix}…" line`).trim().split(/\s+/);

export function readReadmeTutorial(repoRoot: string): ReadmeTutorial {
  const blocks = fencedBlocksOf(readFileSync(join(repoRoot, 'README.md'), 'utf8'), TUTORIAL_HEADING);
  const bash = only(blocks.filter((block) => block.lang === 'bash'), 'bash block').body;
  const snippet = only(blocks.filter((block) => block.lang === 'js'), 'js block').body;
  const later = only(snippet.split('\n').filter((line) => line.startsWith('// later: ')), '"// later:" line');
  return {
    installCommand: commandLine(bash, 'npm install '),
    generateCommand: commandLine(bash, 'npx nest g gateway '),
    appModuleEdit: only(blocks.filter((block) => block.lang === 'diff'), 'diff block').body,
    gatewaySource: only(blocks.filter((block) => block.lang === 'ts' && block.body.includes('class ChatGateway')), 'gateway block').body,
    browserSnippet: snippet.replace(`${later}\n`, ''),
    laterStatement: later.slice('// later: '.length),
    snippetOrigin: only([...snippet.matchAll(/ws:\/\/localhost:\d+/g)].map((match) => match[0]), 'ws:// URL'),
  };
}
