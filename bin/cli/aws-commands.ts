import { randomBytes } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ExecutionInputSchema } from '../../functions/core/input';
import { formatIssues } from '../../functions/core/issues';
import { SignalResultSchema, SignalSchema } from '../../functions/signal/handler';
import type { Write } from './progress';
import { UsageError } from './simulate';

/** Where the deployed workflow is. */
export interface Deployment {
  stateMachineArn?: string;
  tableName?: string;
  signalFunctionName?: string;
}

export interface DeploymentFlags {
  stack?: string;
  stateMachineArn?: string;
  table?: string;
  signalFunction?: string;
}

/**
 * Find the deployment: explicit flags first, then `ROLLOUT_PILOT_STATE_MACHINE_ARN` / `ROLLOUT_PILOT_TABLE`,
 * then the outputs of the CloudFormation stack (`--stack`, default `RolloutPilot`).
 */
export async function resolveDeployment(
  flags: DeploymentFlags,
  env: NodeJS.ProcessEnv = process.env,
  cloudformation: () => CloudFormationClient = () => new CloudFormationClient({}),
  needs: readonly (keyof Deployment)[] = ['stateMachineArn', 'tableName'],
): Promise<Deployment> {
  const found: Deployment = {
    stateMachineArn: flags.stateMachineArn ?? env.ROLLOUT_PILOT_STATE_MACHINE_ARN,
    tableName: flags.table ?? env.ROLLOUT_PILOT_TABLE,
    signalFunctionName: flags.signalFunction ?? env.ROLLOUT_PILOT_SIGNAL_FUNCTION,
  };
  if (needs.every((key) => found[key])) return found;
  const stackName = flags.stack ?? env.ROLLOUT_PILOT_STACK ?? 'RolloutPilot';
  const out = await cloudformation().send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Object.fromEntries((out.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  return {
    stateMachineArn: found.stateMachineArn ?? outputs.StateMachineArn,
    tableName: found.tableName ?? outputs.TableName,
    signalFunctionName: found.signalFunctionName ?? outputs.SignalFunctionName,
  };
}

/**
 * `abort` and `promote`: send an operator's signal to the service's running rollout through the deployment's
 * signal function (so operators need only the right to invoke it). Exit 0 when the rollout acted on it, 1 when
 * it ignored it (nothing running, already rolling back, nothing to cut short) or the call failed, 2 for bad usage.
 */
export async function runSignal(
  signal: Record<string, unknown>,
  deps: { lambda: Pick<LambdaClient, 'send'>; functionName: string; write: Write; json?: boolean },
): Promise<number> {
  const parsed = SignalSchema.safeParse(signal);
  if (!parsed.success) {
    const flags: Record<string, string> = { service: '--service', by: '--by', reason: '--reason' };
    throw new UsageError(
      formatIssues(parsed.error)
        .map((line) => line.replace(/^(\w+):/, (whole, field: string) => (flags[field] ? `${flags[field]}:` : whole)))
        .join('; '),
    );
  }
  const out = await deps.lambda.send(
    new InvokeCommand({
      FunctionName: deps.functionName,
      Payload: new TextEncoder().encode(JSON.stringify(parsed.data)),
    }),
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : 'null';
  const { type, service } = parsed.data;
  if (out.FunctionError) {
    if (deps.json) deps.write(JSON.stringify({ signal: type, service, accepted: false, failed: causeText(text) }));
    else deps.write(`${type} failed: ${causeText(text)}`);
    return 1;
  }
  const result = SignalResultSchema.parse(JSON.parse(text));
  if (deps.json) deps.write(JSON.stringify({ signal: type, service, ...result }, null, 2));
  else {
    deps.write(`${type} ${result.accepted ? 'accepted' : 'ignored'}: ${result.message}`);
    if (result.executionArn) deps.write(`execution: ${result.executionArn}`);
  }
  return result.accepted ? 0 : 1;
}

export interface StartOptions {
  service: string;
  /** The service's AWS account, when it is not the orchestrator's. */
  account?: string;
  version: string;
  changeId?: string;
  requestedBy?: string;
  emergencyReason?: string;
  approvedBy?: string;
  name?: string;
  wait?: boolean;
  pollSeconds?: number;
  /** Print one JSON document at the end (what `startResult` says) instead of lines. */
  json?: boolean;
}

const FLAG_OF: Record<string, string> = {
  service: '--service',
  account: '--account',
  version: '--version',
  changeId: '--change-id',
  requestedBy: '--requested-by',
  'emergency.reason': '--emergency-reason',
  'emergency.approvedBy': '--approved-by',
};

/** The execution input `start` sends, checked with the workflow's own schema so mistakes fail before AWS. */
export function startInput(options: StartOptions): Record<string, unknown> {
  if (Boolean(options.emergencyReason) !== Boolean(options.approvedBy)) {
    throw new UsageError('--emergency-reason and --approved-by go together: an emergency override needs both');
  }
  const input = {
    service: options.service,
    ...(options.account ? { account: options.account } : {}),
    version: options.version,
    ...(options.changeId ? { changeId: options.changeId } : {}),
    ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
    ...(options.emergencyReason
      ? { emergency: { reason: options.emergencyReason, approvedBy: options.approvedBy } }
      : {}),
  };
  const parsed = ExecutionInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error).map((line) => {
      const [field, ...rest] = line.split(': ');
      return `${FLAG_OF[field ?? ''] ?? field}: ${rest.join(': ')}`;
    });
    throw new UsageError(problems.join('; '));
  }
  return parsed.data;
}

/**
 * What Step Functions accepts as the name of a Standard workflow's execution (StartExecution `name`): 1 to 80
 * characters. AWS refuses whitespace, `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /` and control characters, and
 * CloudWatch Logs needs the name to be letters, digits, `-` and `_` only: the CLI keeps to that.
 */
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The random part of an execution name: 4 hex digits. */
export type NameSuffix = () => string;
const randomSuffix: NameSuffix = () => randomBytes(2).toString('hex');
/** The suffixes given in the last second, so that names made in the same second by this process never repeat. */
const recent = { stamp: '', suffixes: new Set<string>() };

/**
 * The default execution name: `<service>-<version>-<UTC time to the second>-<4 random hex digits>`, e.g.
 * `checkout-api-42-20261117T140000Z-7f3a`. Unique (AWS refuses a name used in the last 90 days): the time and a
 * random suffix, never two alike in one second of this process. Valid: any character of the service or the version
 * AWS would refuse (or that CloudWatch Logs would not take) becomes `-`. Readable: when the whole would be longer
 * than 80 characters the service and the version are shortened (each keeps at least half of what is left), never
 * the time or the suffix.
 */
export function executionName(service: string, version: string, now: Date, suffix: NameSuffix = randomSuffix): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  if (recent.stamp !== stamp) {
    recent.stamp = stamp;
    recent.suffixes.clear();
  }
  let tail = suffix();
  for (let tries = 0; recent.suffixes.has(tail) && tries < 100; tries++) tail = suffix();
  if (recent.suffixes.has(tail)) tail = (recent.suffixes.size % 0x10000).toString(16).padStart(4, '0');
  recent.suffixes.add(tail);
  const fixed = `-${stamp}-${tail}`;
  // What is left for "<service>-<version>".
  const room = 80 - fixed.length - 1;
  let s = clean(service);
  let v = clean(version);
  if (s.length + v.length > room) {
    const half = Math.floor(room / 2);
    const vKeep = Math.min(v.length, Math.max(half, room - s.length));
    v = trimEnd(v.slice(0, vKeep));
    s = trimEnd(s.slice(0, room - v.length));
  }
  const prefix = [s, v].filter(Boolean).join('-');
  return prefix ? `${prefix}${fixed}` : fixed.slice(1);
}

/** Characters an execution name may not have become `-`, runs of them one, none at either end. */
function clean(part: string): string {
  return trimEnd(
    part
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^[-_]+/, ''),
  );
}

function trimEnd(part: string): string {
  return part.replace(/[-_]+$/, '');
}

/**
 * `rollout-pilot start`: start an execution; with `--wait`, follow it and return the exit code a pipeline
 * needs: 0 only when the version was promoted, 1 otherwise, with a one-line reason.
 */
export async function runStart(
  options: StartOptions,
  deps: {
    sfn: SFNClient;
    stateMachineArn: string;
    write: Write;
    sleep: (ms: number) => Promise<void>;
    now: () => Date;
  },
): Promise<number> {
  const input = startInput(options);
  if (options.name !== undefined && !EXECUTION_NAME.test(options.name)) {
    throw new UsageError(
      `--name: expected 1 to 80 letters, digits, - or _ (an execution name), got "${options.name}" (${options.name.length} characters)`,
    );
  }
  const name = options.name ?? executionName(options.service, options.version, deps.now());
  const started = await deps.sfn.send(
    new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  const arn = String(started.executionArn);
  const done = (code: number, ended?: { status?: string; error?: string; cause?: string }): number => {
    if (options.json) deps.write(JSON.stringify(startResult(options, name, arn, input, ended), null, 2));
    return code;
  };
  if (!options.json) deps.write(`started ${arn}`);
  if (!options.wait) return done(0);
  for (;;) {
    const out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    switch (out.status) {
      case 'RUNNING':
      case 'PENDING_REDRIVE':
        await deps.sleep((options.pollSeconds ?? 10) * 1000);
        continue;
      case 'SUCCEEDED':
        if (!options.json) deps.write(`PROMOTED: ${options.service} ${options.version}`);
        return done(0, { status: out.status });
      default: {
        if (!options.json) deps.write(`${out.status}: ${out.error ?? 'no error'}: ${causeText(out.cause)}`);
        return done(1, { status: out.status, error: out.error, cause: causeText(out.cause) });
      }
    }
  }
}

/** `start --json`: the execution started and, with `--wait`, how it ended (`promoted` true only on SUCCEEDED). */
export function startResult(
  options: StartOptions,
  name: string,
  executionArn: string,
  input: Record<string, unknown>,
  ended?: { status?: string; error?: string; cause?: string },
): Record<string, unknown> {
  return {
    service: options.service,
    version: options.version,
    name,
    executionArn,
    input,
    ...(ended
      ? {
          status: ended.status,
          promoted: ended.status === 'SUCCEEDED',
          error: ended.error ?? null,
          cause: ended.cause ?? null,
        }
      : {}),
  };
}

/** The readable part of an execution's cause: a Fail state's text, or a Lambda error's message. */
export function causeText(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

export { reportLines, runReport, runStatus, runWatch, statusLines, watchLines } from './views';
