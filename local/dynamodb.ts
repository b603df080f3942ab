import { createRequire } from 'node:module';
import { currentInvocation, SimulatedCrash } from './invocation';

const require = createRequire(import.meta.url);

/**
 * DynamoDB for the simulator: dynalite (an in-memory implementation of the DynamoDB API, with its expression
 * parser and conditional writes) called in-process, behind a fake HTTP handler. The real SDK serialises each
 * request, this handler answers in DynamoDB's wire format, and the real SDK deserialises the answer, including
 * `ConditionalCheckFailedException` and friends. So the adapters' conditions are checked by a real evaluator.
 */

interface DynaliteError extends Error {
  statusCode?: number;
  body?: { __type?: string; message?: string; Message?: string };
}

type Callback = (err: DynaliteError | null, data?: unknown) => void;
type Action = (store: unknown, data: unknown, cb: Callback) => void;
interface ActionValidation {
  types: unknown;
  custom?: unknown;
}

interface DynaliteModules {
  db: { create(options: Record<string, unknown>): unknown };
  validations: {
    toLowerFirst(s: string): string;
    checkTypes(data: unknown, types: unknown): unknown;
    checkValidations(data: unknown, types: unknown, custom: unknown, store: unknown): void;
  };
}

const OPERATIONS = [
  'CreateTable',
  'DescribeTable',
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
] as const;

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** The real `setTimeout`, as it was when this module loaded (before any virtual clock). */
const REAL_SET_TIMEOUT = globalThis.setTimeout;

/** One in-memory DynamoDB. */
export class SimDynamoDB {
  private readonly store: unknown;
  private readonly modules: DynaliteModules;
  private readonly actions = new Map<string, { action: Action; validation: ActionValidation }>();
  /** Every call, for tests that count side effects. */
  readonly calls: { operation: string; input: unknown; error?: string; caller?: string; principal?: string }[] = [];
  /** Injected faults: called before each operation; may throw an error to return instead. */
  fault: (operation: string) => { name: string; message: string; crash?: 'after' } | undefined = () => undefined;
  private readonly watchers = new Map<string, { before(): void; after(): Promise<void> }>();

  /**
   * Be told around every accepted write to `table` (the service reads its feature flags from it): `before` runs
   * just before the write (the traffic model catches up with the old flag), `after` once it is stored.
   */
  watch(table: string, watcher: { before(): void; after(): Promise<void> }): void {
    this.watchers.set(table, watcher);
  }

  /**
   * `createTableMs`: how long dynalite keeps a new table CREATING (0: it turns ACTIVE on the next real timer tick).
   */
  constructor(options: { createTableMs?: number } = {}) {
    this.modules = { db: require('dynalite/db'), validations: require('dynalite/validations') };
    this.store = this.modules.db.create({
      createTableMs: options.createTableMs ?? 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    for (const op of OPERATIONS) {
      const name = this.modules.validations.toLowerFirst(op);
      this.actions.set(op, {
        action: require(`dynalite/actions/${name}`),
        validation: require(`dynalite/validations/${name}`),
      });
    }
  }

  /** Call an operation with its JSON body, as the DynamoDB HTTP API receives it. */
  call(operation: string, body: unknown): Promise<unknown> {
    const entry = this.actions.get(operation);
    if (!entry) return Promise.reject(wireError(400, 'UnknownOperationException', `${operation} is not simulated`));
    return new Promise((resolve, reject) => {
      let data: unknown;
      try {
        data = this.modules.validations.checkTypes(structuredClone(body), entry.validation.types);
        this.modules.validations.checkValidations(data, entry.validation.types, entry.validation.custom, this.store);
      } catch (error) {
        reject(error);
        return;
      }
      entry.action(this.store, data, (err, out) => (err ? reject(err) : resolve(out ?? {})));
    });
  }

  /**
   * Create a table and wait until it is ACTIVE. dynalite turns a table ACTIVE on a real `setTimeout` (even with
   * `createTableMs: 0`, a timer of at least a millisecond), so the wait is measured in real time, not in turns of
   * the event loop: a fast machine runs hundreds of turns before a busy one has fired that timer, which is why a
   * fixed number of checks failed under load. It checks again after 1, 2, 4… ms of real time (at most
   * `maxIntervalMs` apart) for up to `attempts` checks (about 3 s by default), then fails naming the table, its
   * status and how long it waited. Under a virtual clock the timer would never fire: that fails at once, saying so.
   */
  async createTable(
    definition: Record<string, unknown>,
    options: { attempts?: number; maxIntervalMs?: number } = {},
  ): Promise<void> {
    const name = String(definition.TableName);
    if (globalThis.setTimeout !== REAL_SET_TIMEOUT) {
      throw new Error(
        `cannot create table ${name}: a virtual clock replaces setTimeout, and dynalite activates tables on a real timer; create tables before installing the clock`,
      );
    }
    const attempts = options.attempts ?? 60;
    const maxIntervalMs = options.maxIntervalMs ?? 50;
    await this.call('CreateTable', definition);
    const started = performance.now();
    let status = 'unknown';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const out = (await this.call('DescribeTable', { TableName: name })) as { Table?: { TableStatus?: string } };
      status = out.Table?.TableStatus ?? 'missing';
      if (status === 'ACTIVE') return;
      if (attempt < attempts) {
        const wait = Math.min(2 ** (attempt - 1), maxIntervalMs);
        await new Promise((resolve) => REAL_SET_TIMEOUT(resolve, wait));
      }
    }
    throw new Error(
      `table ${name} did not become ACTIVE: still ${status} after ${attempts} checks over ${Math.round(performance.now() - started)} ms`,
    );
  }

  /**
   * An SDK `requestHandler`: give it to `new DynamoDBClient({ requestHandler })`. It reads the operation from
   * `X-Amz-Target` and answers with DynamoDB's JSON, or its error body and status code. With `bookkeeping`, the
   * calls are the simulator's own (reading the record for a report): no injected fault applies to them, and they
   * are not logged in `calls` (which holds what the workflow did).
   */
  requestHandler(
    options: {
      bookkeeping?: boolean;
      /** IAM's decision on a call (before any fault or effect): the refusal's name and message, or undefined. */
      authorize?: (
        operation: string,
        body: Record<string, unknown>,
      ) => Promise<{ name: string; message: string } | undefined>;
      /** The ARN of the principal the call is made as (logged with it), if any. */
      principal?: () => Promise<string | undefined>;
    } = {},
  ) {
    const bookkeeping = options.bookkeeping ?? false;
    return {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
        const operation = target.split('.')[1] ?? '';
        const body = JSON.parse(
          typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array),
        );
        const invocation = bookkeeping ? undefined : currentInvocation();
        // A dead function makes no more calls.
        if (invocation?.crashedAfter) throw new SimulatedCrash(invocation.crashedAfter);
        const call: { error?: string } = bookkeeping ? {} : await this.log(operation, body, options.principal);
        const refused = bookkeeping ? undefined : await options.authorize?.(operation, body);
        if (refused) {
          call.error = refused.name;
          return {
            response: jsonResponse(400, {
              __type: `com.amazon.coral.service#${refused.name}`,
              message: refused.message,
            }),
          };
        }
        const injected = bookkeeping ? undefined : this.fault(operation);
        if (injected && !injected.crash)
          return {
            response: jsonResponse(faultStatus(injected.name), { __type: injected.name, message: injected.message }),
          };
        try {
          const watcher = WRITES.has(operation) ? this.watchers.get(String(body.TableName)) : undefined;
          watcher?.before();
          const out = await this.call(operation, body);
          await watcher?.after();
          if (injected?.crash) {
            if (invocation) invocation.crashedAfter = `dynamodb:${operation}`;
            throw new SimulatedCrash(`dynamodb:${operation}`);
          }
          return { response: jsonResponse(200, out) };
        } catch (error) {
          const e = error as DynaliteError;
          if (error instanceof SimulatedCrash || !e.statusCode) throw error;
          return { response: jsonResponse(e.statusCode, e.body ?? { __type: 'InternalServerError' }) };
        }
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    };
  }

  /** Log a call of the workflow's, with its caller and the principal it is made as. */
  private async log(operation: string, input: unknown, principalOf?: () => Promise<string | undefined>) {
    const principal = await principalOf?.();
    const call: (typeof this.calls)[number] = {
      operation,
      input,
      caller: currentInvocation()?.functionName,
      ...(principal ? { principal } : {}),
    };
    this.calls.push(call);
    return call;
  }
}

/** An HTTP response as the SDK's deserialisers read it (they check its shape, not its class). */
function jsonResponse(statusCode: number, body: unknown) {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'simulated' },
    body: new TextEncoder().encode(JSON.stringify(body)),
  };
}

function wireError(statusCode: number, type: string, message: string): DynaliteError {
  return Object.assign(new Error(message), { statusCode, body: { __type: type, message } });
}

/** The HTTP status DynamoDB answers an injected fault with. */
function faultStatus(name: string): number {
  if (/Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(name)) return 400;
  if (/InternalServerError|ServiceUnavailable/.test(name)) return 500;
  return 400;
}
