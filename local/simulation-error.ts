import type { Report } from './report';

/**
 * The simulation itself failed (a bug, a stall, a run past the virtual limit), not the rollout. It carries the
 * report of what happened up to then, when one could be made (`simulationError` says why it is partial).
 */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    message: string,
    readonly report: Report | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
