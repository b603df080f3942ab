import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { AwsThrottled, AwsUnavailable } from '../core/errors';

/**
 * Client settings for every step. `maxAttempts: 1` because retries belong to the state machine (`Retry` with
 * backoff and jitter, visible in the execution history), not to a Lambda that would burn its own timeout.
 */
export const STEP_CLIENT_CONFIG = { maxAttempts: 1 } as const;

/**
 * What the deployment tells the functions (in the Lambda environment, read by `settingsFromEnv` in
 * functions/runtime/settings.ts; the simulator has its own).
 */
export interface Settings {
  /** The rollout table. */
  tableName: string;
  /** The deployment's shared notification topic. */
  defaultTopicArn: string;
  region: string;
  /** The orchestrator's account: a service's when its rollout names none. */
  account: string;
  partition: string;
  /** The orchestrator's name, from which its service roles, plan parameters and event bus are named. */
  orchestrator: string;
}

/** Credentials as the SDK clients take them (the shape of `AwsCredentialIdentity`). */
export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Where a client gets its credentials: called by the SDK whenever it needs them (it caches them in between). */
export type CredentialsProvider = () => Promise<TemporaryCredentials>;

/** What a function's clients are made with: {@link STEP_CLIENT_CONFIG}, and a service role's credentials. */
export type StepClientConfig = typeof STEP_CLIENT_CONFIG & { credentials?: CredentialsProvider };

/** An AWS SDK client class, by which a function's dependencies name the clients they use. */
export type ClientClass<C> = new (config: StepClientConfig) => C;

/**
 * The AWS clients a function's dependencies are built from: in Lambda, the real ones ({@link awsClients}); in the
 * simulator, the same classes wired to the simulated services.
 */
export interface Clients {
  /** The one client of that class this function uses. */
  get<C>(Client: ClientClass<C>): C;
}

/**
 * The Lambda runtime's clients, each made on first use and then reused: with the function's own credentials, or
 * with `credentials` (a service role's session). This is the only place under functions/ that constructs an AWS
 * client: the composition root (functions/runtime/deps.ts) names the class, so a function's bundle carries only
 * the clients its dependencies name.
 */
export function awsClients(credentials?: CredentialsProvider): Clients {
  const config: StepClientConfig = credentials ? { ...STEP_CLIENT_CONFIG, credentials } : STEP_CLIENT_CONFIG;
  const made = new Map<ClientClass<unknown>, unknown>();
  return {
    get<C>(Client: ClientClass<C>): C {
      if (!made.has(Client)) made.set(Client, new Client(config));
      return made.get(Client) as C;
    },
  };
}

/** Errors that mean "busy with another update, try again shortly" rather than "wrong". */
const BUSY = ['ResourceConflictException', 'ConcurrentModificationException', 'OperationAbortedException'];

interface SdkErrorLike {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * Run an AWS call and translate the faults the state machine should retry into `AwsThrottled` or
 * `AwsUnavailable`. Anything else (access denied, not found, a failed condition) keeps its name and class —
 * retrying it would not help, and its name tells the operator what to fix before a redrive — but its message is
 * prefixed with the operation and the resource, so that every failure an operator reads says what was called on
 * what: `dynamodb:PutItem on rollout-pilot-rollouts: AccessDeniedException: …`.
 */
export async function aws<T>(operation: string, call: () => Promise<T>, resource?: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classify(operation, error, resource);
  }
}

/** The error to raise for a failed AWS call. */
export function classify(operation: string, error: unknown, resource?: string): unknown {
  if (!(error instanceof Error)) return error;
  const sdk = error as SdkErrorLike & Error;
  const where = resource ? `${operation} on ${resource}` : operation;
  const detail = `${where}: ${sdk.name}: ${sdk.message}`;
  if (isThrottlingError(sdk as never)) return new AwsThrottled(detail, { cause: error });
  if (isServerError(sdk as never) || isTransientError(sdk as never) || BUSY.includes(sdk.name)) {
    return new AwsUnavailable(detail, { cause: error });
  }
  if (!sdk.message.startsWith(`${operation}`)) sdk.message = `${where}: ${sdk.message}`;
  return error;
}
