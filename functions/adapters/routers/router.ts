import type { DependentResult, PhaseCohort } from '../../core/flag-dependencies';
import type { GateCheck } from '../../core/readiness';
import type { Weights } from '../../core/record';

/** What a target serves now: the version receiving the remainder of the traffic, and the split. */
export interface TrafficState {
  primary: string;
  weights: Weights;
}

/**
 * Moves traffic between the stable and the new version of one target. Every method is idempotent: calling it
 * twice leaves traffic exactly where calling it once does, so a retried or redriven step never double-moves.
 */
export interface TrafficRouter {
  /** For messages: `alias live of checkout-api`. */
  readonly description: string;
  /** Where traffic is now. */
  current(): Promise<TrafficState>;
  /** Why `version` cannot be released through this target (empty when it can). Reads only. */
  preflight(version: string): Promise<string[]>;
  /**
   * Send `percent` (0 < percent < 100) of traffic to `canary`, the rest to `stable`. A tenant-cohort router takes
   * `percent` as the percent of tenants (0 allowed with pilots) and `tenants` as the pilot tenants; weighted
   * routers get no tenants.
   */
  shift(stable: string, canary: string, percent: number, tenants?: readonly string[]): Promise<Weights>;
  /** Send all traffic to `canary`: the promotion. */
  promote(stable: string, canary: string): Promise<Weights>;
  /** Send all traffic back to `stable`: the rollback. */
  revert(stable: string, canary: string): Promise<Weights>;
  /**
   * For a target with prerequisites (a feature flag's prerequisite flags): a `flag-prerequisite` check of each for
   * the cohort of `phase`, before traffic moves into it. Reads only. Absent: the target has none.
   */
  prerequisites?(phase: PhaseCohort): Promise<GateCheck[]>;
  /**
   * For a target with dependents (a feature flag's dependent flags): turn them off after the rollback, each write
   * conditional; what came of each. Absent: the target has none.
   */
  turnOffDependents?(): Promise<DependentResult[]>;
}

/** Round a percentage the way weights are stored and shown (two decimals). */
export function roundPercent(value: number): number {
  return Math.round(value * 100) / 100;
}
