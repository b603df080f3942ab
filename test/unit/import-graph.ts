import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ROOT, sourceFiles } from './code-size';

/**
 * The graph of relative imports between the project's own files (`import`, `export … from`, `import()`, type-only
 * imports included: a cycle of types still ties the modules together). Run as a script
 * (`npx tsx test/unit/import-graph.ts [folder…]`) it prints the cycles; test/unit/import-cycles.test.ts asserts
 * there are none.
 */
export type ImportGraph = Map<string, string[]>;

const CANDIDATES = ['', '.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.js'];

/** The file a relative specifier names (`./x`, `./x.js` for `./x.ts`, `./dir` for `./dir/index.ts`). */
function resolve(from: string, specifier: string): string | undefined {
  const base = join(ROOT, dirname(from), specifier);
  const bases = /\.m?js$/.test(base) ? [base, base.replace(/\.(m?)js$/, '.$1ts')] : [base];
  for (const b of bases) {
    for (const suffix of CANDIDATES) {
      const path = b + suffix;
      if (existsSync(path) && statSync(path).isFile()) return relative(ROOT, path).split(sep).join('/');
    }
  }
  return undefined;
}

/** The relative module specifiers of one file. */
export function relativeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      specifier = node.arguments[0];
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      specifier = node.moduleReference.expression;
    }
    if (specifier && ts.isStringLiteralLike(specifier) && specifier.text.startsWith('.')) out.push(specifier.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every file below the folders, with the project files it imports (unresolved specifiers throw). */
export function importGraph(folders: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  const pending = folders.flatMap(sourceFiles);
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    if (!/\.m?[jt]s$/.test(file)) {
      graph.set(file, []);
      continue;
    }
    const targets = relativeImports(file).map((specifier) => {
      const target = resolve(file, specifier);
      if (!target) throw new Error(`${file}: cannot resolve the import ${specifier}`);
      return target;
    });
    graph.set(file, [...new Set(targets)].sort());
    pending.push(...targets);
  }
  return graph;
}

/**
 * The import cycles: each strongly connected component of more than one file (or a file importing itself), as
 * one cycle through it, starting at its first file in name order.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file) as number, index.get(next) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.includes(file)) components.push(component.sort());
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) connect(file);
  return components.map((component) => cycleThrough(graph, component));
}

/** A shortest path from the component's first file back to itself, staying inside the component. */
function cycleThrough(graph: ImportGraph, component: string[]): string[] {
  const start = component[0] as string;
  const inside = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const next of graph.get(file) ?? []) {
      if (!inside.has(next)) continue;
      if (next === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(previous.get(path[0] as string) as string);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return component;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const folders = process.argv.length > 2 ? process.argv.slice(2) : ['functions', 'bin', 'local', 'lib'];
  const graph = importGraph(folders);
  const cycles = importCycles(graph);
  for (const cycle of cycles) console.log(cycle.join(' -> '));
  console.log(`${cycles.length} import cycles among ${graph.size} files reached from ${folders.join(', ')}`);
}
