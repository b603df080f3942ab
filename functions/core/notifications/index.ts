/**
 * Notifications: where a plan's go (`policy.ts`) and what they say. Pure, so the simulator and the deployed steps
 * say exactly the same thing; `functions/adapters/notifier.ts` publishes them (once: `announceOnce`).
 */

export * from './approvals';
export * from './database';
export * from './failure';
export * from './maintenance';
export * from './outcome';
export * from './policy';
export * from './subject';
