/** One-line descriptions for the simulator's timeline and errors. */

export function versionOf(input: unknown): string | null {
  const v = (input as { version?: unknown } | null)?.version;
  return typeof v === 'string' ? v : null;
}

export function describeSplit(split: Record<string, number>): string {
  return Object.entries(split)
    .filter(([, f]) => f > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([v, f]) => `${v}: ${Math.round(f * 10_000) / 100}%`)
    .join(' · ');
}

/** An error in one line: a Lambda error's message (it is `{"errorType","errorMessage"}`), else name and message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  try {
    const parsed = JSON.parse(error.message) as { errorType?: string; errorMessage?: string };
    if (parsed.errorMessage !== undefined) return `${parsed.errorType ?? error.name}: ${parsed.errorMessage}`;
  } catch {
    // not a Lambda error
  }
  return `${error.name}: ${error.message}`;
}

export function describeBehaviour(b: { errorRate: number; p50Ms: number; p95Ms: number } | undefined): string {
  return b ? `fails ${(b.errorRate * 100).toFixed(2)}%, p50 ${b.p50Ms} ms, p95 ${b.p95Ms} ms` : 'unknown';
}
