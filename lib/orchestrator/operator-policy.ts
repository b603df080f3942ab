import { Aws } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { FREEZES_KEY } from '../../functions/adapters/freeze-store';
import { acknowledge, wildcardResourceFinding } from '../nag';

/** What the operator policy is scoped to. */
export interface OperatorPolicyProps {
  readonly stateMachine: sfn.IStateMachine;
  /** `...:execution:<state machine name>:*`. */
  readonly executionsArn: string;
  /** The `signal` function. */
  readonly signal: lambda.IFunction;
  readonly table: dynamodb.ITable;
}

/**
 * What an operator needs for the `rollout-pilot` CLI: start, follow, stop, redrive and signal rollouts, and lift a
 * service's freeze after a rollback (`unfreeze`): a conditional write in the freezes' partition only, never on a
 * record or a lock.
 */
export function buildOperatorPolicy(scope: Construct, props: OperatorPolicyProps): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, 'OperatorPolicy', {
    description:
      'Rollout Pilot operators (the rollout-pilot CLI): start, follow, stop, redrive and signal rollouts, lift freezes',
    statements: [
      // The CLI finds the state machine and the table in the stack's outputs.
      new iam.PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [Aws.STACK_ID] }),
      new iam.PolicyStatement({
        actions: ['states:StartExecution', 'states:ListExecutions'],
        resources: [props.stateMachine.stateMachineArn],
      }),
      new iam.PolicyStatement({
        actions: [
          'states:DescribeExecution',
          'states:GetExecutionHistory',
          'states:StopExecution',
          'states:RedriveExecution',
        ],
        resources: [props.executionsArn],
      }),
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.signal.functionArn] }),
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [props.table.tableArn] }),
      new iam.PolicyStatement({
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [FREEZES_KEY] } },
      }),
    ],
  });
  acknowledge(
    policy,
    wildcardResourceFinding(policy, props.executionsArn),
    'Describing, stopping and redriving the executions of the rollout state machine only: an execution is ' +
      'named when it starts, so its ARN is not known at deploy time.',
  );
  return policy;
}
