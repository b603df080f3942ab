import FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>['install']>;

/**
 * The simulator's virtual clock. It replaces `setTimeout` and `Date` for the duration of a simulation, so that
 * Step Functions Wait states, task timeouts and retry back-offs (which aws-local-stepfunctions implements with
 * real timers) and every `new Date()` in the handlers follow virtual time. `run` jumps from one timer to the
 * next, but only when nothing else is in flight, so hours of bake take milliseconds and no step ever sees time
 * move while it works.
 */
export class VirtualClock {
  private clock: InstalledClock | undefined;
  private stoppedAt: number | undefined;
  private readonly realImmediate = globalThis.setImmediate;
  /** Work in flight that does not run on virtual timers (handler invocations). */
  private busy = 0;

  /** Start virtual time at `start`. */
  install(start: Date): void {
    if (this.clock) throw new Error('the virtual clock is already installed');
    this.clock = FakeTimers.withGlobal(globalThis).install({
      now: start,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
  }

  /** Back to real time. The virtual clock stops where it was: `now()` keeps answering that instant. */
  uninstall(): void {
    if (this.clock) this.stoppedAt = this.clock.now;
    this.clock?.uninstall();
    this.clock = undefined;
  }

  /** Virtual now; after `uninstall`, the instant the simulation ended (so reading its results stays repeatable). */
  now(): Date {
    if (!this.clock && this.stoppedAt !== undefined) return new Date(this.stoppedAt);
    return new Date(this.installed().now);
  }

  /** Schedule `fn` at a virtual instant. */
  at(when: Date, fn: () => void): void {
    const delay = Math.max(0, when.getTime() - this.installed().now);
    setTimeout(fn, delay);
  }

  /** Track a piece of work that completes without virtual time passing (a Lambda invocation). */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
    }
  }

  /**
   * Drive virtual time until `done` says so. Between jumps, real macrotasks (the in-process DynamoDB answers on
   * them) are let through until no tracked work is in flight. `limit` bounds the virtual time a run may take.
   */
  async run(done: () => boolean, limit: Date): Promise<void> {
    const clock = this.installed();
    for (;;) {
      await this.settle();
      if (done()) return;
      if (clock.countTimers() === 0) {
        throw new Error('the simulation stalled: nothing is running and nothing is scheduled');
      }
      const next = clock.next();
      if (next > limit.getTime()) throw new Error(`the simulation ran past ${limit.toISOString()} without finishing`);
    }
  }

  private async settle(): Promise<void> {
    do {
      await new Promise<void>((resolve) => this.realImmediate(resolve));
    } while (this.busy > 0);
    await new Promise<void>((resolve) => this.realImmediate(resolve));
  }

  private installed(): InstalledClock {
    if (!this.clock) throw new Error('the virtual clock is not installed');
    return this.clock;
  }
}
