import type { RolloutRecord } from '../../functions/core/record';
import type { Follower, Write } from './progress';
import { reportLines, watchLines } from './views';

/**
 * `simulate --watch`: what `rollout-pilot watch` would have printed, then what `report` prints at the end, from the
 * simulator's rollout record, with the same functions as the AWS commands. After each step the record is read (on
 * the virtual clock: the clock does not move on until the read is done, so nothing real is waited for) and printed
 * when what it shows changed, stamped with the virtual time.
 */
export function watchFollower(write: Write): Follower {
  let seen: string | undefined;
  let last: RolloutRecord | undefined;
  const show = (record: RolloutRecord | undefined, at: Date) => {
    if (!record) return;
    last = record;
    // A new revision that shows nothing new (a bake's bookkeeping) prints nothing, as a person watching sees it.
    const lines = watchLines(record, at);
    const key = lines.slice(1).join('\n');
    if (key === seen) return;
    seen = key;
    for (const line of lines) write(line);
  };
  return {
    onInvocation: (invocation, sim) => {
      const at = new Date(invocation.at);
      sim.clock
        .track(async () => show((await sim.records.list(sim.plan.service, 1))[0], at))
        .catch((error: unknown) => write(`  (the record could not be read: ${String(error)})`));
    },
    after: async (sim) => {
      const [record] = await sim.records.list(sim.plan.service, 1);
      show(record, sim.clock.now());
      const final = record ?? last;
      if (!final) return;
      write('');
      write(`— report (rollout-pilot report --service ${final.service} --rollout ${final.rolloutId})`);
      for (const line of reportLines(final)) write(line);
    },
  };
}
