import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { Report } from '../../local/report-shape';
import { PROJECT_ROOT } from '../../local/simulate';

const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'examples', 'schemas', 'report.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

/** What examples/schemas/report.schema.json finds wrong with a report as `report --json` would print it. */
export function reportSchemaErrors(report: Report | object): { instancePath: string; message?: string }[] {
  return validate(JSON.parse(JSON.stringify(report))) ? [] : (validate.errors ?? []);
}
