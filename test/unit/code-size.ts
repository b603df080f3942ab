import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The project's size limits (issue 14): no production file over 400 lines, no function over 60. Run as a script
 * (`npx tsx test/unit/code-size.ts [folder…]`) it prints every finding under functions/, bin/ and local/;
 * test/unit/code-size.test.ts asserts them for the folders already brought within the limits.
 */
export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 60;

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const SOURCE = /\.(?:ts|mts|mjs|js)$/;

export interface Finding {
  /** Relative to the project root, with `/`. */
  file: string;
  /** The function's name as written (`SimRDS.handle`, `<arrow>`), or undefined for the file itself. */
  name?: string;
  line: number;
  lines: number;
}

/** Every source file below `folder` (relative to the root), declaration files left out. */
export function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== 'node_modules') walk(path);
      } else if (SOURCE.test(entry) && !entry.endsWith('.d.ts')) {
        out.push(relative(ROOT, path).split(sep).join('/'));
      }
    }
  };
  walk(join(ROOT, folder));
  return out;
}

function functionName(node: ts.Node): string {
  const own = (node as { name?: ts.Node }).name;
  const name = own && (ts.isIdentifier(own) || ts.isStringLiteral(own) || ts.isPrivateIdentifier(own)) ? own.text : '';
  const parent = node.parent;
  if (!name && parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (!name && parent && ts.isPropertyAssignment(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const cls = ts.isClassLike(parent) && parent.name ? `${parent.name.text}.` : '';
  return `${cls}${name || (ts.isArrowFunction(node) ? '<arrow>' : '<function>')}`;
}

/** The functions (declarations, methods, accessors, constructors, arrows, expressions) of one file, with spans. */
export function functionSizes(file: string): Finding[] {
  const text = readFileSync(resolve(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Finding[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: functionName(node), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

export function fileLines(file: string): number {
  const text = readFileSync(resolve(ROOT, file), 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** What breaks the limits in these files: files over 400 lines, functions over 60. */
export function oversized(files: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const file of files) {
    const lines = fileLines(file);
    if (lines > MAX_FILE_LINES) out.push({ file, line: 1, lines });
    out.push(...functionSizes(file).filter((f) => f.lines > MAX_FUNCTION_LINES));
  }
  return out;
}

export function describeFinding(f: Finding): string {
  return f.name === undefined
    ? `${f.file}: ${f.lines} lines (at most ${MAX_FILE_LINES})`
    : `${f.file}:${f.line} ${f.name}: ${f.lines} lines (at most ${MAX_FUNCTION_LINES})`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const folders = process.argv.length > 2 ? process.argv.slice(2) : ['functions', 'bin', 'local'];
  const findings = oversized(folders.flatMap(sourceFiles));
  for (const f of findings) console.log(describeFinding(f));
  console.log(`${findings.length} over the limits in ${folders.join(', ')}`);
}
