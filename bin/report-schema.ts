import { join } from 'node:path';
import ts from 'typescript';
import * as TJS from 'typescript-json-schema';
import { PROJECT_ROOT } from '../local/simulate';

/**
 * The JSON Schema of the simulator's JSON report (`simulate --report`), generated from its TypeScript type
 * (`Report` in local/report-shape.ts) rather than written by hand, so that it cannot drift from what the simulator
 * writes. The type is declared in TypeScript (it was never parsed from input), so the schema comes from the type
 * checker (typescript-json-schema); the types it builds from zod schemas get no names and are written inline.
 */

type Json = { [key: string]: unknown };

let cached: string | undefined;

/** The report's JSON Schema, as committed in examples/schemas/report.schema.json. */
export function reportJsonSchema(): string {
  cached ??= generate();
  return cached;
}

function generate(): string {
  const file = join(PROJECT_ROOT, 'local', 'report-shape.ts');
  const program = TJS.getProgramFromFiles([file], { strict: true, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
  const schema = TJS.generateSchema(program, 'Report', {
    required: true,
    noExtraProps: true,
    strictNullChecks: true,
    ignoreErrors: true,
    ref: true,
  });
  if (!schema) throw new Error('the report type could not be turned into a JSON Schema');
  const definitions = (schema.definitions ?? {}) as Record<string, Json>;
  const named = Object.fromEntries(Object.entries(definitions).filter(([name]) => isName(name)));
  const body = inline({ ...schema, definitions: undefined }, definitions) as Json;
  const json = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Rollout Pilot simulation report',
    ...body,
    definitions: inline(named, definitions),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** A definition the generator named after a declared type (not after a type's whole text). */
function isName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/** The schema with every reference to an unnamed definition replaced by the definition itself. */
function inline(node: unknown, definitions: Record<string, Json>): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, definitions));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string') {
    const name = decodeURIComponent(ref.replace('#/definitions/', ''));
    const target = definitions[name];
    if (target && !isName(name)) return inline(target, definitions);
  }
  return Object.fromEntries(
    Object.entries(node as Json)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, inline(v, definitions)]),
  );
}
