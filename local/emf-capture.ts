import { captureEmf } from '../functions/adapters/metrics-emf';

/** The EMF lines the steps wrote during a simulation, by world: kept for tests and the report, not printed. */
const lines = new WeakMap<object, string[]>();

/** Keep the steps' EMF lines of a simulation instead of writing them to stdout; returns the undo. */
export function captureMetricsOf(world: object): () => void {
  const kept: string[] = [];
  lines.set(world, kept);
  return captureEmf((line) => kept.push(line));
}

/** The EMF documents a world's simulation published, parsed. */
export function emfDocumentsOf(world: object): Record<string, unknown>[] {
  return (lines.get(world) ?? []).map((line) => JSON.parse(line) as Record<string, unknown>);
}
