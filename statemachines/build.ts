/**
 * `npm run asl`: writes statemachines/rollout.asl.json from the builder (definition.ts). The JSON is committed
 * because the stack and the simulator load it as it is; test/workflow/asl-builder.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROLLOUT_DEFINITION } from './definition';
import { ROLLOUT_ASL_PATH } from './rollout';

/** The width Biome formats JSON to (biome.json), so that `biome ci` accepts the generated file as it is. */
const LINE_WIDTH = 120;
const INDENT = '  ';

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

/** The text of statemachines/rollout.asl.json. */
export function renderRolloutDefinition(): string {
  return `${formatJson(ROLLOUT_DEFINITION as unknown as Json)}\n`;
}

/**
 * JSON as Biome formats it: objects one key per line; an array of plain values on one line when that line fits
 * in LINE_WIDTH, one value per line otherwise; an array holding objects always one per line.
 */
export function formatJson(value: Json, indent = '', lead = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    const items = value as readonly Json[];
    if (items.length === 0) return '[]';
    const flat = `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
    const plain = items.every((item) => item === null || typeof item !== 'object');
    // `lead` is what precedes the value on its line; the trailing comma counts too.
    if (plain && indent.length + lead + flat.length + 1 <= LINE_WIDTH) return flat;
    return `[\n${items.map((item) => inner + formatJson(item, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as { readonly [key: string]: Json });
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, item]) => {
    const label = `${JSON.stringify(key)}: `;
    return inner + label + formatJson(item, inner, label.length);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(ROLLOUT_ASL_PATH, renderRolloutDefinition());
  console.log(`wrote ${ROLLOUT_ASL_PATH}`);
}
