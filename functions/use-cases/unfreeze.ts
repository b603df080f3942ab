import type { FreezeStore } from '../adapters/freeze-store';
import { type IncidentFreeze, liftFreeze } from '../core/incident-freeze';

/** What `rollout-pilot unfreeze` answers: whether it lifted a freeze, and what it said. */
export interface UnfreezeResult {
  lifted: boolean;
  message: string;
  /** The freeze as it is now (lifted by this call, or as found). */
  freeze: IncidentFreeze | null;
}

const ATTEMPTS = 3;

/**
 * Lift a service's freeze after a rolled-back rollout (`rollout-pilot unfreeze`), recorded with who, why and when.
 * The write is conditional on the freeze as read: a freeze that a newer rollback replaced meanwhile is read again and
 * lifted as it is now, and one somebody else lifted meanwhile is left as they wrote it.
 */
export async function unfreeze(
  freezes: FreezeStore,
  service: string,
  lift: { by: string; reason: string },
  now: Date,
): Promise<UnfreezeResult> {
  for (let attempt = 1; ; attempt++) {
    const found = (await freezes.get(service)) ?? null;
    const decision = liftFreeze(found, { ...lift, at: now.toISOString() });
    if ('notFrozen' in decision) {
      return { lifted: false, message: `${service} is not frozen: ${decision.notFrozen}`, freeze: found };
    }
    if (await freezes.lift(decision.lifted)) {
      const { rolloutId, version } = decision.lifted;
      return {
        lifted: true,
        message: `lifted the freeze of ${service} after rollout ${rolloutId} (${version}) rolled back: ${lift.by}, "${lift.reason}"`,
        freeze: decision.lifted,
      };
    }
    if (attempt >= ATTEMPTS) {
      return {
        lifted: false,
        message: `${service}'s freeze kept changing while it was lifted; try again`,
        freeze: found,
      };
    }
  }
}
