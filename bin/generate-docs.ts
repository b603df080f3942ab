import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ExecutionInputSchema } from '../functions/core/input';
import { PlanSchema } from '../functions/core/plan';
import { ScenarioSchema } from '../local/scenario';
import { PROJECT_ROOT } from '../local/simulate';

/**
 * Generated documentation: the JSON Schemas of plans, execution inputs and scenarios (for editors and for people
 * who call `StartExecution` by hand) and the README's reference tables, all from the zod schemas, so that the
 * documentation cannot drift from what the code accepts. `npm run docs` writes them; a test fails when the
 * committed copies are stale.
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
  return Object.fromEntries(
    Object.entries(SCHEMAS).map(([file, { schema, title }]) => {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return [file, `${JSON.stringify({ title, ...json }, null, 2)}\n`];
    }),
  );
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

/** The README with its generated sections filled in. */
export function readmeWithReferences(readme: string): string {
  let out = replaceBetween(readme, 'plan-reference', referenceTable(PlanSchema));
  out = replaceBetween(out, 'input-reference', referenceTable(ExecutionInputSchema));
  return replaceBetween(out, 'scenario-reference', referenceTable(ScenarioSchema));
}

function replaceBetween(text: string, marker: string, content: string): string {
  const start = `<!-- ${marker}:start (generated by npm run docs) -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1) throw new Error(`README.md lacks the ${marker} markers`);
  return `${text.slice(0, a + start.length)}\n${content}\n${text.slice(b)}`;
}

/** Write every generated file. */
export function writeDocs(root = PROJECT_ROOT): string[] {
  const written: string[] = [];
  for (const [file, text] of Object.entries(jsonSchemas())) {
    const path = join(root, 'examples', 'schemas', file);
    writeFileSync(path, text);
    written.push(path);
  }
  const readme = join(root, 'README.md');
  writeFileSync(readme, readmeWithReferences(readFileSync(readme, 'utf8')));
  written.push(readme);
  return written;
}

if (process.argv[1]?.endsWith('generate-docs.ts')) {
  for (const path of writeDocs()) process.stdout.write(`wrote ${path}\n`);
}
