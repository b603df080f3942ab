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
  return formatIssueList(error.issues, root);
}

function formatIssueList(issues: readonly z.core.$ZodIssue[], root: string): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const branch = issue.code === 'invalid_union' ? soleBranch(issue.errors) : undefined;
    if (branch) {
      // A value of one option's shape (a cohort object, not "all"): that option's problems, each at its field.
      lines.push(
        ...formatIssueList(
          branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] })),
          root,
        ),
      );
      continue;
    }
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

/**
 * Of a union's options, the only one the value has the shape of: whose problems are not all the value itself being
 * of another type or value. Undefined when none or several are (then "Invalid input" is all there is to say).
 */
function soleBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const shaped = branches.filter((issues) =>
    issues.some((i) => i.path.length > 0 || (i.code !== 'invalid_type' && i.code !== 'invalid_value')),
  );
  return shaped.length === 1 ? shaped[0] : undefined;
}
