import { Readable } from 'node:stream';
import { sdkStreamMixin } from '@smithy/core/serde';
/**
 * Connects a real AWS SDK v3 client to the simulated world: a middleware at the end of the `initialize` step
 * hands the command's input to the simulated service and returns its output, so the adapters run unchanged,
 * with the real command classes and the real exception classes (`instanceof ResourceNotFoundException` works).
 * DynamoDB is connected differently (see `dynamodb.ts`), below the serialisers.
 */

/** A simulated AWS service: an operation name (`UpdateAlias`) and the command input, to the command output. */
export type ServiceHandler = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Any SDK v3 client: all that is used here is its middleware stack. */
interface MiddlewareClient {
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's stack is generic per client; only `add` is used.
  middlewareStack: { add(middleware: any, options: any): void };
}

/** Route every command of `client` to `handle`. */
export function connect<T extends MiddlewareClient>(client: T, handle: ServiceHandler): T {
  client.middlewareStack.add(
    (_next: unknown, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const output = await handle(operation, structuredClone(args.input));
      return {
        output: {
          ...withStreamBody(structuredClone(output)),
          $metadata: { httpStatusCode: 200, requestId: 'simulated', attempts: 1, totalRetryDelay: 0 },
        },
        response: undefined,
      };
    },
    { step: 'initialize', priority: 'low', name: 'rolloutPilotSimulatedAws' },
  );
  return client;
}

/** A body (S3's `GetObject`) as the SDK hands it over: a stream with `transformToString` and friends. */
function withStreamBody(output: Record<string, unknown>): Record<string, unknown> {
  if (!(output.Body instanceof Uint8Array)) return output;
  return { ...output, Body: sdkStreamMixin(Readable.from([Buffer.from(output.Body)])) };
}

type ExceptionClass = new (options: Record<string, unknown>) => Error;

/**
 * An error as the SDK would raise it: the client's modelled exception class when it has one of that name, else
 * the client's base exception with that name. Throttling answers 429 and server faults 5xx, so the SDK's own
 * error classification (and ours) sees them as it would from AWS.
 */
export function awsError(sdk: Record<string, unknown>, baseName: string, name: string, message: string): Error {
  const status = statusFor(name);
  const $metadata = { httpStatusCode: status, requestId: 'simulated', attempts: 1, totalRetryDelay: 0 };
  const Modelled = sdk[name];
  if (typeof Modelled === 'function' && (Modelled as { prototype: unknown }).prototype instanceof Error) {
    return new (Modelled as ExceptionClass)({ message, $metadata });
  }
  const Base = sdk[baseName] as ExceptionClass | undefined;
  if (!Base) throw new Error(`${baseName} is not exported by the SDK client`);
  return new Base({ name, message, $fault: status >= 500 ? 'server' : 'client', $metadata });
}

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|ProvisionedThroughputExceeded|SlowDown|LimitExceeded/;
const SERVER =
  /ServiceException$|InternalServer|InternalFailure|InternalException|ServiceUnavailable|InternalError|InternalServiceError/;

function statusFor(name: string): number {
  if (THROTTLING.test(name)) return 429;
  if (name === 'ServiceUnavailable' || name === 'ServiceUnavailableException') return 503;
  if (SERVER.test(name)) return 500;
  if (/NotFound|DoesNotExist/.test(name)) return 404;
  if (/^(AccessDenied|AuthorizationError|ExpiredToken)/.test(name)) return 403;
  return 400;
}
