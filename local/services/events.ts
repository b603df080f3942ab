/**
 * EventBridge, as far as the deployment uses it: rules on the default bus with an event pattern and one target
 * each, and delivery of published events to the targets of the rules they match, after a delivery delay, on
 * `setTimeout` (virtual during a simulation).
 */

/** An event as EventBridge has it: the envelope fields and a `detail`. */
export interface EventBridgeEvent {
  version?: string;
  id: string;
  'detail-type': string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail?: unknown;
}

/** A rule's target: the Lambda function (or anything) that receives the event. */
export type EventTarget = (event: EventBridgeEvent) => Promise<unknown>;

/** One attempt to deliver an event to a rule's target. */
export interface Delivery {
  /** The virtual instant of the attempt (ISO-8601). */
  at: string;
  rule: string;
  eventId: string;
  /** 1 for the first attempt, 2 for the retry. */
  attempt: number;
  ok: boolean;
  /** The target's error, when it failed. */
  error?: string;
}

/** A published event and the rules it matched. */
export interface Published {
  at: string;
  event: EventBridgeEvent;
  rules: string[];
  /** EventBridge lost it (delivered to none of its rules). */
  lost?: boolean;
}

/**
 * Events EventBridge is to lose. AWS documents "Step Functions Execution Status Change" as delivered best
 * effort, so a deployment may never rely on one arriving; a scenario can lose some to show what happens then.
 */
export interface EventLoss {
  detailType: string;
  /** Only events whose `detail.status` is one of these (default: any). */
  statuses?: string[];
  /** How many matching events to lose (default: every one). */
  times?: number;
}

export interface SimEventBridgeOptions {
  /** The current instant (default `Date.now`, virtual during a simulation). */
  now?: () => number;
  /** From publishing to the target's invocation. Default 300 ms. */
  deliveryDelayMs?: number;
  /** Before the retry of a failed delivery. Default 1 s. */
  retryDelayMs?: number;
  /** Attempts per delivery, the first included. Default 2 (EventBridge retries for up to 24 h; one retry here). */
  maxAttempts?: number;
  /** Wraps each target invocation, e.g. `VirtualClock.track`, so that time does not move while a target runs. */
  track?: <T>(work: () => Promise<T>) => Promise<T>;
}

interface Rule {
  pattern: object;
  target: EventTarget;
}

/**
 * EventBridge's default bus. `putRule` (create or replace), `removeRule`, `publish`. An event matches a rule
 * when it matches the rule's pattern (`matchesPattern`); each matching rule's target receives its own copy of
 * the event `deliveryDelayMs` later. A target that throws is logged and retried once after `retryDelayMs`.
 * Rules are matched when the event is published: removing a rule does not cancel deliveries already on their way.
 */
export class SimEventBridge {
  readonly deliveries: Delivery[] = [];
  readonly published: Published[] = [];
  private readonly rules = new Map<string, Rule>();
  private readonly now: () => number;
  private readonly deliveryDelayMs: number;
  private readonly retryDelayMs: number;
  private readonly maxAttempts: number;
  private readonly track: <T>(work: () => Promise<T>) => Promise<T>;
  private inFlight = 0;
  private readonly losses: { loss: EventLoss; left: number }[] = [];

  constructor(options: SimEventBridgeOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.deliveryDelayMs = options.deliveryDelayMs ?? 300;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 2;
    this.track = options.track ?? ((work) => work());
  }

  /** Create or replace a rule. Throws on a pattern EventBridge would reject or the simulator cannot match. */
  putRule(name: string, pattern: object, target: EventTarget): void {
    validatePattern(pattern);
    this.rules.set(name, { pattern: structuredClone(pattern), target });
  }

  removeRule(name: string): void {
    this.rules.delete(name);
  }

  /** The names of the rules. */
  ruleNames(): string[] {
    return [...this.rules.keys()];
  }

  /** Lose events of a kind from now on (see {@link EventLoss}). */
  lose(loss: EventLoss): void {
    this.losses.push({ loss, left: loss.times ?? Number.POSITIVE_INFINITY });
  }

  /** Publish an event (`PutEvents`, or an AWS service's own event): each matching rule's target receives it. */
  publish(event: EventBridgeEvent): void {
    const matched = [...this.rules].filter(([, rule]) => matchesPattern(rule.pattern, event));
    const lost = this.takeLoss(event);
    this.published.push({
      at: new Date(this.now()).toISOString(),
      event: structuredClone(event),
      rules: matched.map(([name]) => name),
      ...(lost ? { lost: true } : {}),
    });
    if (lost) return;
    for (const [name, rule] of matched)
      this.schedule(name, rule.target, structuredClone(event), 1, this.deliveryDelayMs);
  }

  private takeLoss(event: EventBridgeEvent): boolean {
    const status = (event.detail as { status?: unknown } | undefined)?.status;
    const match = this.losses.find(
      ({ loss, left }) =>
        left > 0 &&
        loss.detailType === event['detail-type'] &&
        (!loss.statuses || loss.statuses.includes(String(status))),
    );
    if (!match) return false;
    match.left--;
    return true;
  }

  /** Some event never reached a target: EventBridge lost it, or every attempt to deliver it failed. */
  anyUndelivered(): boolean {
    if (this.published.some((p) => p.lost)) return true;
    const delivered = new Set(this.deliveries.filter((d) => d.ok).map((d) => `${d.rule} ${d.eventId}`));
    return this.deliveries.some(
      (d) => !d.ok && d.attempt >= this.maxAttempts && !delivered.has(`${d.rule} ${d.eventId}`),
    );
  }

  /** No delivery is waiting or running. */
  idle(): boolean {
    return this.inFlight === 0;
  }

  private schedule(rule: string, target: EventTarget, event: EventBridgeEvent, attempt: number, delayMs: number) {
    this.inFlight++;
    setTimeout(() => {
      void this.deliver(rule, target, event, attempt);
    }, delayMs);
  }

  private async deliver(rule: string, target: EventTarget, event: EventBridgeEvent, attempt: number): Promise<void> {
    const at = new Date(this.now()).toISOString();
    try {
      await this.track(() => target(structuredClone(event)));
      this.deliveries.push({ at, rule, eventId: event.id, attempt, ok: true });
    } catch (error) {
      this.deliveries.push({
        at,
        rule,
        eventId: event.id,
        attempt,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      if (attempt < this.maxAttempts) this.schedule(rule, target, event, attempt + 1, this.retryDelayMs);
    } finally {
      this.inFlight--;
    }
  }
}

const OPERATORS = ['prefix', 'suffix', 'exists'];

/**
 * Whether an event matches an EventBridge event pattern, with EventBridge's semantics for what the deployment
 * uses: every field the pattern names must match (AND); a leaf is an array of allowed values (OR) — exact
 * strings, numbers, booleans or null, `{ prefix }`, `{ suffix }`, `{ exists }`; an event field that is an array
 * matches when any of its elements does; a nested object in the pattern matches the event's nested object.
 * Other operators (`anything-but`, `numeric`, `cidr`, `equals-ignore-case`, `wildcard`, `$or`) throw.
 */
export function matchesPattern(pattern: object, event: unknown): boolean {
  validatePattern(pattern);
  return matchesObject(pattern as Record<string, unknown>, event);
}

function matchesObject(pattern: Record<string, unknown>, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((v) => matchesObject(pattern, v));
  if (typeof value !== 'object' || value === null) return false;
  const object = value as Record<string, unknown>;
  for (const [key, expected] of Object.entries(pattern)) {
    const actual = Object.hasOwn(object, key) ? object[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchesLeaf(expected, actual)) return false;
    } else if (!matchesObject(expected as Record<string, unknown>, actual)) {
      return false;
    }
  }
  return true;
}

function matchesLeaf(allowed: unknown[], actual: unknown): boolean {
  if (actual === undefined) {
    return allowed.some((a) => isOperator(a) && 'exists' in a && a.exists === false);
  }
  // `exists` applies to leaves only: a present object is not a leaf.
  const values = Array.isArray(actual) ? actual : [actual];
  return allowed.some((a) => {
    if (isOperator(a)) {
      if ('exists' in a) return a.exists === true && values.some((v) => typeof v !== 'object' || v === null);
      if ('prefix' in a) return values.some((v) => typeof v === 'string' && v.startsWith(a.prefix as string));
      if ('suffix' in a) return values.some((v) => typeof v === 'string' && v.endsWith(a.suffix as string));
      return false;
    }
    return values.some((v) => v === a);
  });
}

function isOperator(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throw on a pattern EventBridge rejects, or one with an operator the simulator does not match. */
export function validatePattern(pattern: object, path = ''): void {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) {
    throw new Error(`invalid event pattern${path ? ` at ${path}` : ''}: expected an object`);
  }
  const entries = Object.entries(pattern);
  if (entries.length === 0 && !path) throw new Error('invalid event pattern: it is empty');
  for (const [key, value] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (key.startsWith('$')) throw new Error(`event pattern operator ${key} (at ${at}) is not simulated`);
    if (Array.isArray(value)) {
      if (value.length === 0) throw new Error(`invalid event pattern at ${at}: an empty array matches nothing`);
      for (const allowed of value) {
        if (!isOperator(allowed)) {
          if (Array.isArray(allowed)) throw new Error(`invalid event pattern at ${at}: nested arrays`);
          continue;
        }
        const keys = Object.keys(allowed);
        const op = keys[0];
        if (keys.length !== 1 || op === undefined) {
          throw new Error(`invalid event pattern at ${at}: one operator per object, got ${JSON.stringify(allowed)}`);
        }
        if (!OPERATORS.includes(op)) throw new Error(`event pattern operator "${op}" (at ${at}) is not simulated`);
        const operand = allowed[op];
        if (op === 'exists' ? typeof operand !== 'boolean' : typeof operand !== 'string') {
          throw new Error(`event pattern operator "${op}" (at ${at}) with ${JSON.stringify(operand)} is not simulated`);
        }
      }
    } else if (typeof value === 'object' && value !== null) {
      validatePattern(value, at);
    } else {
      throw new Error(`invalid event pattern at ${at}: a leaf must be an array of allowed values`);
    }
  }
}
