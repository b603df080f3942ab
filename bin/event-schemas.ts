import * as z from 'zod';
import {
  EVENT_SOURCE,
  eventSchemaFile,
  ROLLOUT_EVENT_TYPE_NAMES,
  ROLLOUT_EVENT_TYPES,
  rolloutEventEnvelope,
} from '../functions/core/events';

/** The rollout events' JSON Schemas, by path under examples/schemas/: one per detail-type, as EventBridge delivers it. */
export function eventJsonSchemas(): Record<string, string> {
  return Object.fromEntries(
    ROLLOUT_EVENT_TYPE_NAMES.map((type) => {
      const json = z.toJSONSchema(rolloutEventEnvelope(type), { io: 'output', unrepresentable: 'any' });
      const title = `Rollout Pilot event: ${type} (source ${EVENT_SOURCE})`;
      return [`events/${eventSchemaFile(type)}`, `${JSON.stringify({ title, ...json }, null, 2)}\n`];
    }),
  );
}

/** docs/events.md's table: every detail-type, its schema file and what it means. */
export function eventsReference(): string {
  const rows = ROLLOUT_EVENT_TYPE_NAMES.map(
    (type) =>
      `| \`${type}\` | [${eventSchemaFile(type)}](../examples/schemas/events/${eventSchemaFile(type)}) | ${ROLLOUT_EVENT_TYPES[type].description ?? ''} |`,
  );
  return ['| detail-type | JSON Schema | when |', '| --- | --- | --- |', ...rows].join('\n');
}
