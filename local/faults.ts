/** A fault injected into one AWS operation, e.g. `lambda:UpdateAlias` answering `TooManyRequestsException`. */
export interface FaultSpec {
  /**
   * `service:Operation`: lambda, dynamodb, cloudwatch, sns, states, rds, ssm, secretsmanager,
   * elasticloadbalancing or sts, and the API operation (e.g. `rds:CreateDBSnapshot`).
   */
  operation: string;
  /** The AWS error name to answer with. */
  error: string;
  /** How many calls fail; unlimited when `untilMs` is given. */
  times?: number;
  /** Calls fail only from this virtual instant on. */
  fromMs?: number;
  /** Calls fail only until this virtual instant (the fix). */
  untilMs?: number;
  /**
   * `after`: the call succeeds (its effect happens), then the calling function dies before it returns
   * (`Runtime.ExitError`): what a retry or a redrive must survive without repeating the effect. `error` is then
   * ignored.
   */
  crash?: 'after';
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  hits: number;
}

/**
 * The faults injected into the world's AWS operations: each call asks `take` whether one applies to it now; the
 * first hit of each is told (`note`) for the timeline.
 */
export class Faults {
  private readonly faults: ActiveFault[] = [];

  constructor(
    private readonly now: () => number,
    private readonly note: (message: string) => void,
  ) {}

  add(spec: FaultSpec): void {
    this.faults.push({
      ...spec,
      remaining: spec.times ?? (spec.untilMs === undefined ? 1 : Number.POSITIVE_INFINITY),
      hits: 0,
    });
  }

  hits(): { operation: string; error: string; hits: number }[] {
    return this.faults.map((f) => ({ operation: f.operation, error: f.error, hits: f.hits }));
  }

  /** The fault the call of `operation` fails with now, if any (counted as a hit). */
  take(operation: string): ActiveFault | undefined {
    const now = this.now();
    const fault = this.faults.find(
      (f) =>
        f.operation === operation &&
        f.remaining > 0 &&
        (f.fromMs === undefined || now >= f.fromMs) &&
        (f.untilMs === undefined || now < f.untilMs),
    );
    if (!fault) return undefined;
    fault.remaining--;
    fault.hits++;
    if (fault.hits === 1) {
      this.note(
        fault.crash
          ? `the function calling ${operation} dies right after the call succeeds`
          : `${operation} answers ${fault.error}`,
      );
    }
    return fault;
  }
}
