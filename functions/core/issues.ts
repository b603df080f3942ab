import type * as z from 'zod';

/** A zod path as people write it: `phases[1].weight`, `health.errorRate.advanceBelow`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * One line per problem, each naming the field and what was expected. Unknown fields are named one by one,
 * because "unrecognized keys" without the key is useless to someone fixing a file.
 */
export function formatIssues(error: z.ZodError, root = '(root)'): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        lines.push(
          `${formatPath([...issue.path, key])}: unexpected field (not part of the schema; check its spelling)`,
        );
      }
      continue;
    }
    const where = formatPath(issue.path) || root;
    if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      lines.push(`${where}: required (expected ${issue.expected})`);
      continue;
    }
    lines.push(`${where}: ${issue.message.replace(/^Invalid input: /, '')}`);
  }
  return lines;
}
