import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCUMENTED_CONSTRUCTS } from '../../bin/generate-docs';
import { program } from '../../bin/rollout-pilot';
import { PROJECT_ROOT } from '../../local/simulate';

// The README is the front door and docs/ the manual: these tests keep the links, anchors, commands and paths they
// show true, so that a page moved, a heading renamed, a script or a CLI option dropped shows up here.

const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');
const DOC_PAGES = readdirSync(join(PROJECT_ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.md'))
  .map((file) => `docs/${file.split('\\').join('/')}`)
  .sort();
const PAGES = ['README.md', ...DOC_PAGES];

/** The text outside fenced code blocks, with inline code spans blanked (a link inside code is not a link). */
function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^( *)```[^\n]*\n[\s\S]*?^\1```[^\n]*$/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, text = ''] of withoutFences(markdown).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const plain = text.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Every link target of a page: inline links and reference definitions, outside code. */
function links(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] ?? '');
  return [...inline, ...definitions];
}

/** Inline code spans and the lines of fenced blocks (except JSON, whose strings are data), where commands are shown. */
function codeSnippets(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/^( *)```([^\n]*)\n([\s\S]*?)^\1```/gm)]
    .filter((m) => m[2]?.trim() !== 'json')
    .flatMap((m) => (m[3] ?? '').split('\n'));
  const spans = [...withoutFences(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? '');
  return [...fenced, ...spans];
}

describe('the README', () => {
  it('is a front door: at most 20 KB', () => {
    // Prepare
    const path = join(PROJECT_ROOT, 'README.md');

    // Act
    const size = statSync(path).size;

    // Assess
    expect(size).toBeLessThanOrEqual(20_000);
  });

  it('starts with the quick start CI runs: npm ci && npm run demo, then npm test', () => {
    // Prepare
    const readme = read('README.md');

    // Act
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('## ', readme.indexOf('## Quick start') + 3),
    );

    // Assess
    expect(quickStart).toMatch(/^npm ci && npm run demo\b/m);
    expect(quickStart).toMatch(/^npm test\b/m);
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });

  it('links every page of the manual', () => {
    // Prepare
    const targets = new Set(links(read('README.md')).map((target) => target.split('#')[0]));

    // Act
    const unlinked = DOC_PAGES.filter((page) => !targets.has(page));

    // Assess
    expect(unlinked).toEqual([]);
  });
});

describe('the README and the pages of docs/', () => {
  it('link only to files that exist and to headings those files have', () => {
    // Prepare
    const broken: string[] = [];

    // Act
    for (const page of PAGES) {
      for (const target of links(read(page))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [path, anchor] = target.split('#');
        const file = path ? relative(PROJECT_ROOT, join(PROJECT_ROOT, dirname(page), decodeURIComponent(path))) : page;
        if (!existsSync(join(PROJECT_ROOT, file))) broken.push(`${page}: ${target} (no ${file})`);
        else if (anchor !== undefined && (!file.endsWith('.md') || !anchors(read(file)).has(anchor)))
          broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
      }
    }

    // Assess
    expect(broken).toEqual([]);
  });

  it('name only npm scripts that package.json has', () => {
    // Prepare
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts);

    // Act
    // A script's name may hold a colon (test:faults) but not end with one: a colon after it is the sentence's.
    const named = PAGES.flatMap((page) =>
      [...read(page).matchAll(/npm run ([\w:-]*[\w-])/g)].map((m) => `${page}: ${m[1]}`),
    );
    const missing = named.filter((entry) => !scripts.includes(entry.split(': ')[1] ?? ''));

    // Assess
    expect(named.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it('show only rollout-pilot commands and options the CLI has', () => {
    // Prepare
    const commands = new Map(
      program().commands.map((c) => [c.name(), new Set(['--help', ...c.options.map((o) => o.long ?? '')])]),
    );
    const shown: { page: string; command: string; options: string[] }[] = [];
    for (const page of PAGES) {
      for (const snippet of codeSnippets(read(page))) {
        for (const m of snippet.matchAll(/(?<![\w"-])rollout-pilot +([a-z][\w-]*)([^|;()]*)/g)) {
          shown.push({
            page,
            command: m[1] ?? '',
            options: [...(m[2] ?? '').matchAll(/--[a-z][\w-]*/g)].map((o) => o[0]),
          });
        }
      }
    }
    // The CLI page's table names each command first, then its options.
    for (const row of read('docs/cli.md').matchAll(/^\| `([a-z]+)((?: [^`]*)?)` \|/gm)) {
      shown.push({
        page: 'docs/cli.md',
        command: row[1] ?? '',
        options: [...(row[2] ?? '').matchAll(/--[a-z][\w-]*/g)].map((o) => o[0]),
      });
    }

    // Act
    const unknown = shown.flatMap(({ page, command, options }) => {
      const known = commands.get(command);
      if (!known) return [`${page}: rollout-pilot ${command}`];
      return options.filter((o) => !known.has(o)).map((o) => `${page}: rollout-pilot ${command} ${o}`);
    });

    // Assess
    expect(unknown).toEqual([]);
    expect(shown.length).toBeGreaterThan(20);
    expect(new Set(shown.map((s) => s.command))).toEqual(new Set(commands.keys()));
  });

  it('name only repository paths that exist', () => {
    // Prepare
    const roots = ['bin/', 'lib/', 'functions/', 'local/', 'statemachines/', 'test/', 'examples/', 'docs/', '.ci/'];
    const outputs = ['.bench/'];

    // Act
    const missing = PAGES.flatMap((page) =>
      codeSnippets(read(page))
        .filter((snippet) => roots.some((root) => snippet.startsWith(root)) && /^[\w./-]+$/.test(snippet))
        .filter((path) => !outputs.some((root) => path.startsWith(root)) && !existsSync(join(PROJECT_ROOT, path)))
        .map((path) => `${page}: ${path}`),
    );

    // Assess
    expect(missing).toEqual([]);
  });
});

describe('the construct reference', () => {
  /** The names a declaration's body declares at its top level, read from the source text (not private or static). */
  function readonlyNames(name: string): string[] {
    for (const file of readdirSync(join(PROJECT_ROOT, 'lib'), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = read(`lib/${file}`);
      const start = source.search(new RegExp(`^export (?:interface|class) ${name}\\b`, 'm'));
      if (start === -1) continue;
      let depth = 0;
      let parens = 0;
      const names: string[] = [];
      const count = (line: string, re: RegExp) => (line.match(re) ?? []).length;
      for (const line of source.slice(source.indexOf('{', start)).split('\n')) {
        // A member line: `name:` or `name?:`, with `public`, `override` or `readonly` before it (not private or static);
        // a line inside a method's parameter list (parens open) is a parameter, not a member.
        const member = line.match(/^\s*(?:(?:public|override|readonly)\s+)*(\w+)\??:/)?.[1];
        if (depth === 1 && parens === 0 && member) names.push(member);
        depth += count(line, /{/g) - count(line, /}/g);
        parens += count(line, /\(/g) - count(line, /\)/g);
        if (depth <= 0) break;
      }
      return names;
    }
    throw new Error(`lib/ declares no ${name}`);
  }

  it.each(DOCUMENTED_CONSTRUCTS)(
    'lists every prop of $props and every public property of $construct',
    ({ construct, props }) => {
      // Prepare
      const page = read('docs/reference/constructs.md');
      const section = page.slice(page.indexOf(`## \`${construct}\``)).split(/\n## /)[0] ?? '';

      // Act
      const names = [...readonlyNames(props), ...readonlyNames(construct)];
      const missing = names.filter((n) => !section.includes(`| \`${n}\` |`));

      // Assess
      expect(readonlyNames(construct).length).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    },
  );
});
