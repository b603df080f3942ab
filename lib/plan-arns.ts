import { Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';

/**
 * The ARNs a plan names that the steps reach with the deployment's own credentials, in the deployment's own Region
 * (every step's SDK client is regional, and no step assumes another role), checked against the deployment at synth.
 * A plan cannot check them itself: `rollout-pilot validate` and `parsePlan` do not know where it will be deployed.
 */

/** Where the stack deploys; either part may be a token (an environment-agnostic stack) or absent. */
export interface Deployment {
  readonly account?: string;
  readonly region?: string;
}

/** The parts of the deployment that are known at synth: tokens and absent parts are unknown. */
interface KnownDeployment {
  readonly account: string | undefined;
  readonly region: string | undefined;
  readonly partition: string | undefined;
}

function known(deployment: Deployment | undefined): KnownDeployment {
  const concrete = (value: string | undefined) => (value && !Token.isUnresolved(value) ? value : undefined);
  const account = concrete(deployment?.account);
  const region = concrete(deployment?.region);
  return { account, region, partition: region ? RegionInfo.get(region).partition : undefined };
}

/**
 * Where an ARN is, of the parts of the deployment that are known, when it is not there: `['Region eu-west-1']`,
 * `['partition aws-cn', 'account 111122223333']`. Empty when the ARN is in the deployment (or nothing is known).
 */
export function outsideDeployment(arn: string, deployment: Deployment | undefined): string[] {
  const here = known(deployment);
  const [, partition, , region, account] = arn.split(':');
  return [
    here.partition && partition !== here.partition ? `partition ${partition}` : '',
    here.region && region !== here.region ? `Region ${region}` : '',
    here.account && account !== here.account ? `account ${account}` : '',
  ].filter(Boolean);
}

/** `(partition aws, Region us-east-1, account 123456789012)`, of what is known. */
export function describeDeployment(deployment: Deployment | undefined): string {
  const here = known(deployment);
  const parts = [
    here.partition ? `partition ${here.partition}` : '',
    here.region ? `Region ${here.region}` : '',
    here.account ? `account ${here.account}` : '',
  ].filter(Boolean);
  return `(${parts.join(', ')})`;
}

/** An ARN-valued field of a plan the steps must reach in the deployment, and what they do with it. */
interface ArnField {
  readonly path: string;
  readonly value: (plan: RawPlan) => unknown;
  readonly use: string;
}

type RawPlan = {
  notifications?: { topicArn?: unknown };
  database?: { endpoint?: { type?: unknown; secretId?: unknown } };
};

const ARN_FIELDS: readonly ArnField[] = [
  {
    path: 'notifications.topicArn',
    value: (plan) => plan.notifications?.topicArn,
    use: "the steps publish with the deployment's credentials, in its Region; give a topic there (or notifications.topicName, which the deployment creates)",
  },
  {
    path: 'database.endpoint.secretId',
    value: (plan) => (plan.database?.endpoint?.type === 'secret' ? plan.database.endpoint.secretId : undefined),
    use: "the steps read and repoint the secret with the deployment's credentials, in its Region; give a secret there, by name or ARN",
  },
];

/** `arn:<partition>:<service>:<region>:<account>:...` with every part present. */
const ARN = /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]+:\d{12}:./;

/**
 * Every ARN of a plan that is outside the deployment, one `field: what is wrong` line each, in the format of the
 * plan's own problems. `plan` may be a parsed plan or the raw JSON of one that failed to parse (so that one run
 * reports everything); values that are not ARNs, or whose field has its own problems (`skip`), are left to the
 * schema. Nothing is reported for the parts of an environment-agnostic deployment, which are unknown until deploy.
 */
export function planArnProblems(
  plan: unknown,
  deployment: Deployment | undefined,
  skip: readonly string[] = [],
): string[] {
  if (typeof plan !== 'object' || plan === null) return [];
  const problems: string[] = [];
  for (const field of ARN_FIELDS) {
    if (skip.includes(field.path)) continue;
    const arn = field.value(plan as RawPlan);
    if (typeof arn !== 'string' || !ARN.test(arn)) continue;
    const elsewhere = outsideDeployment(arn, deployment);
    if (elsewhere.length === 0) continue;
    problems.push(
      `${field.path}: ${arn} is in ${elsewhere.join(' and ')}, not the deployment's ${describeDeployment(deployment)}: ${field.use}`,
    );
  }
  return problems;
}
