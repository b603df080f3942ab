/**
 * Rollout events on EventBridge: `schema.ts` the detail-types and their details, `due.ts` the events a record
 * implies, `published.ts` which of them are still to publish.
 */
export * from './due';
export * from './metrics';
export * from './published';
export * from './schema';
