/**
 * Notifications: where a plan's go (`policy.ts`) and what they say. Pure, so the simulator and the deployed steps
 * say exactly the same thing; `functions/adapters/notifier.ts` publishes them (once: `announceOnce`).
 */

export * from './approvals';
export * from './chat';
export * from './database';
export * from './delivery';
export * from './detection';
export * from './failure';
export * from './links';
export * from './maintenance';
export * from './outcome';
export * from './outcome-chat';
export * from './policy';
export * from './subject';
