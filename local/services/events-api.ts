import { randomUUID } from 'node:crypto';
import * as eventsSdk from '@aws-sdk/client-eventbridge';
import { entrySize, PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES } from '../../functions/adapters/rollout-events';
import type { ClientPrincipal } from '../principal';
import { awsError } from '../transport';
import { SERVICES } from '../world';
import type { EventBridgeEvent, SimEventBridge } from './events';
import type { RolePrincipal } from './iam';

/**
 * EventBridge's `PutEvents`, as the rollout events use it: 1 to 10 entries per call (else `ValidationException`),
 * 256 KB per entry; each entry answered in the request's order with an `EventId`, or an `ErrorCode` and
 * `ErrorMessage` counted in `FailedEntryCount` (HTTP 200 all the same). A published entry goes on the world's bus,
 * stamped with the caller's account and the call's Region, and is kept for the report (`entries`).
 */
export class SimEventBridgeApi {
  /** Every accepted entry, as the bus has it, with the bus it went to. */
  readonly entries: { at: string; bus: string; event: EventBridgeEvent }[] = [];
  private rejectNext: { count: number; code: string } | undefined;

  constructor(
    private readonly bus: SimEventBridge,
    private readonly env: { region: string; account: string; now: () => number },
  ) {}

  /** The next `count` entries fail with `code` (EventBridge's per-entry failures: `InternalFailure`, `ThrottlingException`). */
  failEntries(count: number, code = 'InternalFailure'): void {
    this.rejectNext = { count, code };
  }

  async handle(
    operation: string,
    input: Record<string, unknown>,
    caller?: RolePrincipal,
  ): Promise<Record<string, unknown>> {
    if (operation !== 'PutEvents') throw validation(`${operation} is not simulated`);
    const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
    if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
      throw validation(
        `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_MAX_ENTRIES}`,
      );
    }
    const answers = entries.map((entry) => this.put(entry, caller?.account ?? this.env.account));
    return { FailedEntryCount: answers.filter((a) => a.ErrorCode).length, Entries: answers };
  }

  private put(entry: Record<string, unknown>, account: string): Record<string, string> {
    const problem = entryProblem(entry);
    if (problem) return problem;
    if (this.rejectNext && this.rejectNext.count > 0) {
      this.rejectNext.count--;
      return { ErrorCode: this.rejectNext.code, ErrorMessage: 'simulated per-entry failure' };
    }
    const id = randomUUID();
    const time = entry.Time instanceof Date ? entry.Time : new Date(this.env.now());
    const event: EventBridgeEvent = {
      version: '0',
      id,
      'detail-type': String(entry.DetailType),
      source: String(entry.Source),
      account,
      time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.env.region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail: JSON.parse(String(entry.Detail)),
    };
    const bus = `arn:aws:events:${this.env.region}:${account}:event-bus/${String(entry.EventBusName ?? 'default')}`;
    this.entries.push({ at: new Date(this.env.now()).toISOString(), bus, event: structuredClone(event) });
    this.bus.publish(event);
    return { EventId: id };
  }
}

/** What EventBridge answers an entry it refuses, or undefined. */
function entryProblem(entry: Record<string, unknown>): Record<string, string> | undefined {
  const invalid = (message: string) => ({ ErrorCode: 'InvalidArgument', ErrorMessage: message });
  if (!entry.Source) return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
  if (!entry.DetailType)
    return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  if (!entry.Detail) return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
  if (String(entry.Source).startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  try {
    const detail = JSON.parse(String(entry.Detail));
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new Error('not an object');
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  const size = entrySize({
    Source: String(entry.Source),
    DetailType: String(entry.DetailType),
    Detail: String(entry.Detail),
    Resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
  });
  if (size > PUT_EVENTS_MAX_BYTES) return invalid(`Event entry of ${size} bytes is over the limit of 256 KB.`);
  return undefined;
}

function validation(message: string): Error {
  return awsError(eventsSdk, 'EventBridgeServiceException', 'ValidationException', message);
}

/** What an EventBridge client is connected to: the world's (see `SimWorld.connected`). */
interface EventsWorld {
  readonly events: SimEventBridge;
  readonly clock: { now(): Date };
  clientConfig(): eventsSdk.EventBridgeClientConfig;
  connected<T extends { middlewareStack: { add(m: unknown, o: unknown): void } }>(
    client: T,
    service: string,
    principal: ClientPrincipal,
    target: SimEventBridgeApi,
  ): T;
}

// The world names each service's SDK for the errors IAM and injected faults raise; EventBridge is added from here.
SERVICES.events = [eventsSdk, 'EventBridgeServiceException'];

const apis = new WeakMap<object, SimEventBridgeApi>();

/** The world's PutEvents (one per world, on its default bus). */
export function eventsApiOf(world: EventsWorld, region: string, account: string): SimEventBridgeApi {
  let api = apis.get(world);
  if (!api) {
    api = new SimEventBridgeApi(world.events, { region, account, now: () => world.clock.now().getTime() });
    apis.set(world, api);
  }
  return api;
}

/** An EventBridge client of the world, for `principal` (IAM and injected faults apply, as for every client). */
export function eventBridgeClient(
  world: EventsWorld,
  principal: ClientPrincipal,
  where: { region: string; account: string },
): eventsSdk.EventBridgeClient {
  return world.connected(
    new eventsSdk.EventBridgeClient(world.clientConfig()),
    'events',
    principal,
    eventsApiOf(world, where.region, where.account),
  );
}
