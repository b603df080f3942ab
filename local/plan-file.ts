import { readFileSync } from 'node:fs';
import { InvalidPlan } from '../functions/core/errors';
import { type Plan, parsePlan } from '../functions/core/plan';
import { ScenarioError } from './scenario';

/** Read and validate a plan file for a scenario; problems are scenario problems (exit 2). */
export function loadPlanFile(path: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new ScenarioError(
        `plan: ${path}: ${code === 'ENOENT' ? 'no such file' : 'a directory'}; expected a plan file (a scenario's plan is relative to the project root)`,
      );
    }
    throw new ScenarioError(
      `plan ${path}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message}`,
    );
  }
  try {
    return parsePlan(raw, path);
  } catch (error) {
    if (error instanceof InvalidPlan) throw new ScenarioError(error.message);
    throw error;
  }
}
