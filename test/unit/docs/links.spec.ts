// The links of the pages issue 16 sends new users through (README.md, docs/migration.md): each relative
// link names a file of this repository, and each #fragment a heading of its page, as GitHub makes anchors.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const PAGES = ['README.md', 'docs/migration.md'];

/** GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen. */
const anchorOf = (heading: string): string =>
  heading.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

const headingAnchorsOf = (page: string): Set<string> =>
  new Set([...readFileSync(page, 'utf8').replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1].trim())));

/** Markdown links outside code blocks and code spans: [text](target). */
const linksOf = (page: string): string[] =>
  [...readFileSync(page, 'utf8').replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]);

describe('anchorOf', () => {
  it('makes the anchors GitHub makes', () => {
    expect(anchorOf('Migrating from `@nestjs/websockets` + `@nestjs/platform-ws`')).toBe('migrating-from-nestjswebsockets--nestjsplatform-ws');
    expect(anchorOf('Worked example: the official `sample/02-gateways`')).toBe('worked-example-the-official-sample02-gateways');
    expect(anchorOf('Five minutes: from `nest new` to a room chat')).toBe('five-minutes-from-nest-new-to-a-room-chat');
  });
});

describe.each(PAGES)('the links of %s', (page) => {
  const path = join(ROOT, page);
  const relativeLinks = linksOf(path).filter((target) => !/^[a-z]+:/.test(target));

  it('are found (the page links to other pages and to headings)', () => {
    expect(relativeLinks.filter((target) => !target.startsWith('#')).length).toBeGreaterThan(0);
    expect(relativeLinks.filter((target) => target.includes('#')).length).toBeGreaterThan(0);
  });

  it('name files that exist', () => {
    const missing = relativeLinks.map((target) => target.split('#')[0]).filter((file) => file !== '' && !existsSync(join(dirname(path), file)));
    expect(missing).toEqual([]);
  });

  it('name headings that exist', () => {
    const broken = relativeLinks
      .filter((target) => target.includes('#'))
      .filter((target) => {
        const [file, fragment] = target.split('#');
        const linked = file === '' ? path : join(dirname(path), file);
        return !existsSync(linked) || !linked.endsWith('.md') || !headingAnchorsOf(linked).has(fragment);
      })
      .map((target) => `${relative(ROOT, path)} → ${target}`);
    expect(broken).toEqual([]);
  });
});
