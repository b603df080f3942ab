import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { DynamoRolloutStore } from '../../functions/adapters/store';
import type { AwsClients, AwsFlags } from './aws-clients';
import { type Deployment, type DeploymentFlags, resolveDeployment, runSignal } from './aws-commands';
import type { Write } from './progress';
import { UsageError } from './simulate';

/** What every command gets from the program: where its output goes, how it waits, how it reaches AWS. */
export interface CliContext {
  write: Write;
  sleep: (ms: number) => Promise<void>;
  aws: AwsClients;
}

/** A command of `rollout-pilot`: it adds itself (its options, help and action) to the program. */
export interface CliCommand {
  register(program: Command, context: CliContext): void;
}

/** The options that find a deployment, and the account's Region and profile, for the commands that talk to AWS. */
export function deploymentOptions(command: Command): Command {
  return command
    .option('--stack <name>', 'the deployed stack, to read its outputs (env ROLLOUT_PILOT_STACK)', undefined)
    .option('--state-machine-arn <arn>', 'the rollout state machine (env ROLLOUT_PILOT_STATE_MACHINE_ARN)')
    .option('--table <name>', 'the rollout table (env ROLLOUT_PILOT_TABLE)')
    .option('--signal-function <name>', 'the signal function (env ROLLOUT_PILOT_SIGNAL_FUNCTION)')
    .option('--region <region>', 'the AWS Region of the deployment (env AWS_REGION, AWS_DEFAULT_REGION)')
    .option('--profile <name>', 'the AWS profile of your shared config (env AWS_PROFILE; aws sso login for SSO)');
}

/** Where the deployment is (flags, environment, then the stack's outputs, read with the command's Region/profile). */
export function deploymentOf(
  flags: DeploymentFlags & AwsFlags,
  aws: AwsClients,
  needs?: readonly (keyof Deployment)[],
): Promise<Deployment> {
  return resolveDeployment(flags, process.env, () => aws.cloudformation(flags), needs);
}

/** The state machine, or a usage error saying how to name it. */
export async function stateMachineOf(flags: DeploymentFlags & AwsFlags, aws: AwsClients): Promise<string> {
  const { stateMachineArn } = await deploymentOf(flags, aws, ['stateMachineArn']);
  if (!stateMachineArn) throw new UsageError('cannot find the state machine: give --state-machine-arn or --stack');
  return stateMachineArn;
}

/** The rollout table's name, or a usage error saying how to name it. */
export async function tableOf(flags: DeploymentFlags & AwsFlags, aws: AwsClients): Promise<string> {
  const { tableName } = await deploymentOf(flags, aws, ['tableName']);
  if (!tableName) throw new UsageError('cannot find the rollout table: give --table or --stack');
  return tableName;
}

/** Send an operator's signal through the deployment's signal function; the exit code says whether it acted. */
export async function sendSignal(
  signal: Record<string, unknown>,
  flags: DeploymentFlags & AwsFlags & { json?: boolean },
  { write, aws }: CliContext,
): Promise<void> {
  const deployment = await deploymentOf(flags, aws, ['signalFunctionName']);
  if (!deployment.signalFunctionName)
    throw new UsageError('cannot find the signal function: give --signal-function or --stack');
  process.exitCode = await runSignal(signal, {
    lambda: aws.lambda(flags),
    functionName: deployment.signalFunctionName,
    write,
    json: flags.json,
  });
}

/** The deployment's rollout table. */
export async function storeFor(flags: DeploymentFlags & AwsFlags, aws: AwsClients): Promise<DynamoRolloutStore> {
  return new DynamoRolloutStore(aws.dynamodb(flags), await tableOf(flags, aws));
}

/** Who the operator is: `--by`, else `ROLLOUT_PILOT_OPERATOR`, else the user name of this machine. */
export function operator(by: string | undefined): string {
  return by ?? process.env.ROLLOUT_PILOT_OPERATOR ?? userInfo().username;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive whole number, got "${value}"`);
  return n;
}

export function ratioArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n >= 1)
    throw new UsageError(`expected a ratio between 0 and 1 (0.01 = 1 %), got "${value}"`);
  return n;
}

/** The flags every AWS command takes. */
export type CommandFlags = DeploymentFlags & AwsFlags;
