import { userInfo } from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import { DynamoRolloutStore } from '../../functions/adapters/store';
import { type DeploymentFlags, resolveDeployment, runSignal } from './aws-commands';
import type { Write } from './progress';
import { UsageError } from './simulate';

/** What every command gets from the program: where its output goes, and how it waits. */
export interface CliContext {
  write: Write;
  sleep: (ms: number) => Promise<void>;
}

/** A command of `rollout-pilot`: it adds itself (its options, help and action) to the program. */
export interface CliCommand {
  register(program: Command, context: CliContext): void;
}

/** The options that find a deployment, for the commands that talk to one. */
export function deploymentOptions(command: Command): Command {
  return command
    .option('--stack <name>', 'the deployed stack, to read its outputs (env ROLLOUT_PILOT_STACK)', undefined)
    .option('--state-machine-arn <arn>', 'the rollout state machine (env ROLLOUT_PILOT_STATE_MACHINE_ARN)')
    .option('--table <name>', 'the rollout table (env ROLLOUT_PILOT_TABLE)')
    .option('--signal-function <name>', 'the signal function (env ROLLOUT_PILOT_SIGNAL_FUNCTION)');
}

/** Send an operator's signal through the deployment's signal function; the exit code says whether it acted. */
export async function sendSignal(signal: Record<string, unknown>, flags: DeploymentFlags, write: Write): Promise<void> {
  const deployment = await resolveDeployment(flags, process.env, undefined, ['signalFunctionName']);
  if (!deployment.signalFunctionName)
    throw new UsageError('cannot find the signal function: give --signal-function or --stack');
  process.exitCode = await runSignal(signal, {
    lambda: new LambdaClient({}),
    functionName: deployment.signalFunctionName,
    write,
  });
}

/** The deployment's rollout table. */
export async function storeFor(flags: DeploymentFlags): Promise<DynamoRolloutStore> {
  const deployment = await resolveDeployment(flags);
  if (!deployment.tableName) throw new UsageError('cannot find the rollout table: give --table or --stack');
  return new DynamoRolloutStore(new DynamoDBClient({}), deployment.tableName);
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
