import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import * as z from 'zod';
import { ExecutionInputSchema } from '../functions/core/input';
import { PlanSchema } from '../functions/core/plan';
import { ScenarioSchema } from '../local/scenario';
import { PROJECT_ROOT } from '../local/simulate';
import { eventJsonSchemas, eventsReference } from './event-schemas';
import { reportJsonSchema } from './report-schema';

/**
 * Generated documentation: the JSON Schemas of plans, execution inputs and scenarios (for editors and for people
 * who call `StartExecution` by hand), the reference pages' field tables, from the zod schemas, and the construct
 * reference, from the TypeScript of lib/, so that the documentation cannot drift from what the code accepts.
 * `npm run docs` writes them; a test fails when the committed copies are stale.
 */

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  additionalProperties?: unknown;
};

const SCHEMAS = {
  'plan.schema.json': { schema: PlanSchema, title: 'Rollout Pilot plan' },
  'execution-input.schema.json': { schema: ExecutionInputSchema, title: 'Rollout Pilot execution input' },
  'scenario.schema.json': { schema: ScenarioSchema, title: 'Rollout Pilot simulation scenario' },
} as const;

/** The JSON Schema files, by name, as they should be committed under `examples/schemas/`. */
export function jsonSchemas(): Record<string, string> {
  const fromZod = Object.entries(SCHEMAS).map(([file, { schema, title }]) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return [file, `${JSON.stringify({ title, ...json }, null, 2)}\n`];
  });
  // The simulator's report is a TypeScript type, not a zod schema: its schema comes from the type (report-schema.ts).
  return { ...Object.fromEntries(fromZod), ...eventJsonSchemas(), 'report.schema.json': reportJsonSchema() };
}

/** A markdown table of every field of a schema: path, type, default, meaning. */
export function referenceTable(schema: z.ZodType): string {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: string[][] = [];
  walk(root, '', true, rows);
  const header = '| field | type | required | default | description |\n| --- | --- | --- | --- | --- |';
  return [header, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

function walk(node: JsonSchema, path: string, required: boolean, rows: string[][]): void {
  const variants = node.oneOf ?? node.anyOf;
  if (variants && !node.properties) {
    if (path)
      rows.push([
        `\`${path}\``,
        'one of the kinds below',
        yesNo(required),
        fmtDefault(node.default),
        node.description ?? '',
      ]);
    for (const variant of variants) {
      const kind = variant.properties?.type?.const;
      walk(
        { ...variant, description: variant.description },
        kind ? `${path} (type "${String(kind)}")` : path,
        required,
        rows,
      );
    }
    return;
  }
  if (path) rows.push([`\`${path}\``, typeOf(node), yesNo(required), fmtDefault(node.default), node.description ?? '']);
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties)) {
      if (key === '$schema') continue;
      walk(child, path ? `${path}.${key}` : key, node.required?.includes(key) ?? false, rows);
    }
  }
  // Items of several kinds: each kind's fields follow the array's row, as `path[] (type "kind").field`.
  const itemVariants = node.items?.properties ? undefined : (node.items?.oneOf ?? node.items?.anyOf);
  for (const variant of itemVariants ?? []) {
    const kind = variant.properties?.type?.const;
    walk(variant, kind ? `${path}[] (type "${String(kind)}")` : `${path}[]`, true, rows);
  }
  // The fields of array items follow the array's own row, as `path[].field`.
  if (node.items?.properties) {
    for (const [key, child] of Object.entries(node.items.properties)) {
      walk(child, `${path}[].${key}`, node.items.required?.includes(key) ?? false, rows);
    }
  }
}

function typeOf(node: JsonSchema): string {
  if (node.const !== undefined) return `\`"${String(node.const)}"\``;
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  if (node.type === 'array' && (node.items?.oneOf ?? node.items?.anyOf) && !node.items?.properties) {
    return 'array of objects, one of the kinds below';
  }
  if (node.type === 'array') return `array of ${node.items ? typeOf(node.items) : 'values'}`;
  if (node.format === 'duration') return 'ISO-8601 duration';
  if (node.format === 'date') return 'date (YYYY-MM-DD)';
  if (node.format === 'date-time') return 'date-time';
  if (node.pattern === '^(?:[01]\\d|2[0-3]):[0-5]\\d$|^24:00$') return 'local time HH:MM';
  const base = Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
  const bounds: string[] = [];
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) bounds.push(`≤ ${node.maximum}`);
  return bounds.length ? `${base} (${bounds.join(', ')})` : base;
}

function fmtDefault(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) return '';
  return `\`${JSON.stringify(value)}\``;
}

function yesNo(required: boolean): string {
  return required ? 'yes' : '';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The reference pages: each holds one generated table between its marker comments. */
const REFERENCE_PAGES = [
  { file: 'docs/reference/plan.md', marker: 'plan-reference', table: () => referenceTable(PlanSchema) },
  {
    file: 'docs/reference/execution-input.md',
    marker: 'input-reference',
    table: () => referenceTable(ExecutionInputSchema),
  },
  { file: 'docs/reference/scenario.md', marker: 'scenario-reference', table: () => referenceTable(ScenarioSchema) },
  { file: 'docs/events.md', marker: 'events-reference', table: () => eventsReference() },
  {
    file: 'docs/reference/constructs.md',
    marker: 'constructs-reference',
    table: (root: string) => constructsReference(root),
  },
] as const;

/** Every generated file, by its path from the project root, with the text it should have. */
export function generatedFiles(root = PROJECT_ROOT): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(jsonSchemas())) files[`examples/schemas/${name}`] = text;
  for (const { file, marker, table } of REFERENCE_PAGES) {
    files[file] = replaceBetween(readFileSync(join(root, file), 'utf8'), marker, table(root), file);
  }
  return files;
}

function replaceBetween(text: string, marker: string, content: string, file: string): string {
  const start = `<!-- ${marker}:start (generated by npm run docs) -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1) throw new Error(`${file} lacks the ${marker} markers`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}

/** Write every generated file that changed; returns the paths written. */
export function writeDocs(root = PROJECT_ROOT): string[] {
  const written: string[] = [];
  for (const [file, text] of Object.entries(generatedFiles(root))) {
    const path = join(root, file);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}

// The construct reference: read from the TypeScript source of lib/, as AWS Solutions Constructs' READMEs list a
// pattern's props and properties, so that a new prop or property cannot go undocumented.

/** The constructs documented, each with the interface of its props. */
export const DOCUMENTED_CONSTRUCTS = [
  { construct: 'RolloutPilotStack', props: 'RolloutPilotStackProps' },
  { construct: 'RolloutOrchestrator', props: 'RolloutOrchestratorProps' },
  { construct: 'RolloutServiceStack', props: 'RolloutServiceStackProps' },
  { construct: 'RolloutService', props: 'RolloutServiceProps' },
] as const;

/** Our types that have a reference page of their own (relative to docs/reference/). */
const TYPE_PAGES: Record<string, string> = { Plan: 'plan.md' };

interface Declaration {
  readonly file: string;
  readonly node: ts.InterfaceDeclaration | ts.ClassDeclaration;
  readonly source: ts.SourceFile;
}

interface Member {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly doc: string;
  readonly defaultValue?: string;
  readonly from?: string;
}

/** Every exported interface and class under lib/, by name: found by name, so constructs may move between files. */
export function libDeclarations(root = PROJECT_ROOT): Map<string, Declaration> {
  const found = new Map<string, Declaration>();
  const files = readdirSync(join(root, 'lib'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort();
  for (const name of files) {
    const path = join(root, 'lib', name);
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    for (const node of source.statements) {
      const exported =
        ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && node.name && exported) {
        found.set(node.name.text, { file: relative(root, path).split('\\').join('/'), node, source });
      }
    }
  }
  return found;
}

/** The construct reference: for each construct, its constructor, its props with defaults, its public properties. */
export function constructsReference(root = PROJECT_ROOT): string {
  const declarations = libDeclarations(root);
  return DOCUMENTED_CONSTRUCTS.map(({ construct, props }) => constructSection(construct, props, declarations)).join(
    '\n\n',
  );
}

function constructSection(construct: string, propsName: string, declarations: Map<string, Declaration>): string {
  const decl = declarations.get(construct);
  if (!decl || !ts.isClassDeclaration(decl.node)) throw new Error(`lib/ exports no class ${construct}`);
  const base = decl.node.heritageClauses?.flatMap((c) => c.types.map((t) => t.expression.getText(decl.source)));
  const ctor = decl.node.members.find(ts.isConstructorDeclaration);
  const params = ctor?.parameters.map((p) => p.getText(decl.source)).join(', ') ?? '';
  const props = propsOf(propsName, declarations);
  const properties = decl.node.members.filter(isPublicProperty).map((m) => member(m, decl.source));
  return [
    `## \`${construct}\``,
    docOf(decl.node).text,
    `\`class ${construct}${base?.length ? ` extends ${base.join(', ')}` : ''}\` in \`${decl.file}\`:`,
    `\`\`\`ts\nnew ${construct}(${params})\n\`\`\``,
    `### Props: \`${propsName}\``,
    membersTable(props.members, true),
    ...props.external.map(({ name, module }) => `It also takes every prop of \`${name}\` (\`${module}\`).`),
    '### Properties',
    membersTable(properties, false),
    outputsTable(decl),
  ]
    .filter((part) => part !== '')
    .join('\n\n');
}

/** The stack outputs a construct's constructor declares (`new CfnOutput(this, id, { description })`), if any. */
function outputsTable(decl: Declaration): string {
  const rows: string[][] = [];
  const visit = (node: ts.Node): void => {
    const [, id, options] =
      ts.isNewExpression(node) && node.expression.getText(decl.source) === 'CfnOutput' ? (node.arguments ?? []) : [];
    if (id && ts.isStringLiteral(id)) {
      const description =
        options && ts.isObjectLiteralExpression(options)
          ? options.properties.find((p) => p.name?.getText(decl.source) === 'description')
          : undefined;
      const text =
        description && ts.isPropertyAssignment(description) && ts.isStringLiteralLike(description.initializer)
          ? description.initializer.text
          : '';
      rows.push([`\`${id.text}\``, text]);
    }
    ts.forEachChild(node, visit);
  };
  visit(decl.node);
  if (rows.length === 0) return '';
  return [
    '### Outputs',
    ['| output | description |\n| --- | --- |', ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n'),
  ].join('\n\n');
}

/** An interface's members, its local bases' first; bases from other packages are named, not listed. */
function propsOf(
  name: string,
  declarations: Map<string, Declaration>,
): { members: Member[]; external: { name: string; module: string }[] } {
  const decl = declarations.get(name);
  if (!decl || !ts.isInterfaceDeclaration(decl.node)) throw new Error(`lib/ exports no interface ${name}`);
  const members: Member[] = [];
  const external: { name: string; module: string }[] = [];
  for (const type of decl.node.heritageClauses?.flatMap((c) => c.types) ?? []) {
    const base = type.expression.getText(decl.source);
    if (declarations.has(base)) {
      const inherited = propsOf(base, declarations);
      members.push(...inherited.members.map((m) => ({ ...m, from: m.from ?? base })));
      external.push(...inherited.external);
    } else {
      external.push({ name: base, module: importedFrom(base, decl.source) });
    }
  }
  members.push(...decl.node.members.filter(ts.isPropertySignature).map((m) => member(m, decl.source)));
  return { members, external };
}

function importedFrom(name: string, source: ts.SourceFile): string {
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) {
      return statement.moduleSpecifier.text;
    }
  }
  return 'an outside package';
}

function isPublicProperty(node: ts.ClassElement): node is ts.PropertyDeclaration {
  if (!ts.isPropertyDeclaration(node) || !ts.isIdentifier(node.name)) return false;
  const hidden = [ts.SyntaxKind.PrivateKeyword, ts.SyntaxKind.ProtectedKeyword, ts.SyntaxKind.StaticKeyword];
  return !ts.getModifiers(node)?.some((m) => hidden.includes(m.kind));
}

function member(node: ts.PropertySignature | ts.PropertyDeclaration, source: ts.SourceFile): Member {
  const { text, defaultValue } = docOf(node);
  return {
    name: node.name.getText(source),
    type: node.type?.getText(source) ?? 'unknown',
    optional: node.questionToken !== undefined,
    doc: text,
    defaultValue,
  };
}

function docOf(node: ts.Node): { text: string; defaultValue?: string } {
  const doc = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).at(-1);
  const text = ts.getTextOfJSDocComment(doc?.comment) ?? '';
  const tag = doc?.tags?.find((t) => t.tagName.text === 'default');
  const defaultValue = tag ? ts.getTextOfJSDocComment(tag.comment)?.trim() : undefined;
  return {
    text: text
      .replace(/\{@link\s+([^}\s|]+)[^}]*\}/g, '`$1`')
      .replace(/\s*\n\s*/g, ' ')
      .trim(),
    defaultValue,
  };
}

function membersTable(members: readonly Member[], props: boolean): string {
  if (members.length === 0) return 'None.';
  const typeCell = (m: Member) => {
    const page = Object.entries(TYPE_PAGES).find(([type]) => new RegExp(`\\b${type}\\b`).test(m.type))?.[1];
    return `\`${m.type}\`${page ? ` ([reference](${page}))` : ''}`;
  };
  const describe = (m: Member) => (m.from ? `${m.doc} (from \`${m.from}\`)` : m.doc);
  const rows = members.map((m) =>
    props
      ? [`\`${m.name}\``, typeCell(m), yesNo(!m.optional), m.defaultValue ? `\`${m.defaultValue}\`` : '', describe(m)]
      : [`\`${m.name}\``, typeCell(m), describe(m)],
  );
  const header = props
    ? '| name | type | required | default | description |\n| --- | --- | --- | --- | --- |'
    : '| name | type | description |\n| --- | --- | --- |';
  return [header, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

if (process.argv[1]?.endsWith('generate-docs.ts')) {
  for (const path of writeDocs()) process.stdout.write(`wrote ${path}\n`);
}
