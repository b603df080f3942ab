import { createRequire } from 'node:module';

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

/** One in-memory DynamoDB. */
export class SimDynamoDB {
  private readonly store: unknown;
  private readonly modules: DynaliteModules;
  private readonly actions = new Map<string, { action: Action; validation: ActionValidation }>();
  /** Every call, for tests that count side effects. */
  readonly calls: { operation: string; input: unknown; error?: string }[] = [];
  /** Injected faults: called before each operation; may throw an error to return instead. */
  fault: (operation: string) => { name: string; message: string } | undefined = () => undefined;
  private readonly watchers = new Map<string, { before(): void; after(): Promise<void> }>();

  /**
   * Be told around every accepted write to `table` (the service reads its feature flags from it): `before` runs
   * just before the write (the traffic model catches up with the old flag), `after` once it is stored.
   */
  watch(table: string, watcher: { before(): void; after(): Promise<void> }): void {
    this.watchers.set(table, watcher);
  }

  constructor() {
    this.modules = { db: require('dynalite/db'), validations: require('dynalite/validations') };
    this.store = this.modules.db.create({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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

  /** Create a table and wait until it is ACTIVE (dynalite activates it on a timer). */
  async createTable(definition: Record<string, unknown>): Promise<void> {
    await this.call('CreateTable', definition);
    for (let i = 0; i < 100; i++) {
      const out = (await this.call('DescribeTable', { TableName: definition.TableName })) as {
        Table?: { TableStatus?: string };
      };
      if (out.Table?.TableStatus === 'ACTIVE') return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`table ${String(definition.TableName)} did not become ACTIVE`);
  }

  /**
   * An SDK `requestHandler`: give it to `new DynamoDBClient({ requestHandler })`. It reads the operation from
   * `X-Amz-Target` and answers with DynamoDB's JSON, or its error body and status code.
   */
  requestHandler() {
    return {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '';
        const operation = target.split('.')[1] ?? '';
        const body = JSON.parse(
          typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array),
        );
        this.calls.push({ operation, input: body });
        const injected = this.fault(operation);
        if (injected)
          return {
            response: jsonResponse(faultStatus(injected.name), { __type: injected.name, message: injected.message }),
          };
        try {
          const watcher = WRITES.has(operation) ? this.watchers.get(String(body.TableName)) : undefined;
          watcher?.before();
          const out = await this.call(operation, body);
          await watcher?.after();
          return { response: jsonResponse(200, out) };
        } catch (error) {
          const e = error as DynaliteError;
          if (!e.statusCode) throw error;
          return { response: jsonResponse(e.statusCode, e.body ?? { __type: 'InternalServerError' }) };
        }
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
    };
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
