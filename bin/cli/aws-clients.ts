import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';

/** `--region` and `--profile`: given, they win over AWS_REGION / AWS_DEFAULT_REGION / AWS_PROFILE and the config. */
export interface AwsFlags {
  region?: string;
  profile?: string;
}

/** The AWS clients the commands use, made for the command's `--region` and `--profile` (tests pass their own). */
export interface AwsClients {
  sfn(flags: AwsFlags): SFNClient;
  lambda(flags: AwsFlags): LambdaClient;
  dynamodb(flags: AwsFlags): DynamoDBClient;
  cloudformation(flags: AwsFlags): CloudFormationClient;
}

/**
 * Only what was given: an absent flag leaves the SDK's own chain (AWS_REGION, AWS_PROFILE, the shared config) in
 * charge. The JavaScript SDK ignores AWS_DEFAULT_REGION, which the AWS CLI reads after AWS_REGION and before the
 * profile's region: it is read here in that order.
 */
export function clientConfig(
  flags: AwsFlags,
  env: NodeJS.ProcessEnv = process.env,
): { region?: string; profile?: string } {
  const region = flags.region ?? (env.AWS_REGION ? undefined : env.AWS_DEFAULT_REGION || undefined);
  return {
    ...(region ? { region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
  };
}

export const SDK_CLIENTS: AwsClients = {
  sfn: (flags) => new SFNClient(clientConfig(flags)),
  lambda: (flags) => new LambdaClient(clientConfig(flags)),
  dynamodb: (flags) => new DynamoDBClient(clientConfig(flags)),
  cloudformation: (flags) => new CloudFormationClient(clientConfig(flags)),
};

/** Exit codes of a command that could not reach AWS (docs/cli.md). */
export const NO_REGION_EXIT = 2;
export const NO_CREDENTIALS_EXIT = 1;

/**
 * One line saying what to set when the SDK found no Region or no credentials, instead of its own message
 * (`Region is missing`, `Could not load credentials from any providers`). No Region is known before anything is
 * sent: usage (2). Credentials can also expire mid-run (after `start` started a rollout): an AWS call failed (1).
 */
export function awsSetupHint(error: unknown): { message: string; exitCode: number } | undefined {
  if (!(error instanceof Error)) return undefined;
  if (/Region is missing/i.test(error.message)) {
    return {
      message: 'no AWS Region: pass --region or set AWS_REGION (or give your AWS profile a region)',
      exitCode: NO_REGION_EXIT,
    };
  }
  const sso = /SSO session .*(expired|invalid)|Token is expired|refresh failed/i.test(error.message);
  const missing = /Could not load credentials|could not be found or parsed in shared credentials file/i.test(
    error.message,
  );
  if (error.name === 'CredentialsProviderError' || error.name === 'TokenProviderError' || sso || missing) {
    return {
      message: `no AWS credentials: pass --profile, set AWS_PROFILE, or run aws sso login (${error.message.split('\n')[0]})`,
      exitCode: NO_CREDENTIALS_EXIT,
    };
  }
  return undefined;
}
