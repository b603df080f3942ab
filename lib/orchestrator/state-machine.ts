import { ArnFormat, Aws, Names, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { integrationArns, readRolloutDefinition, STEP_PLACEHOLDERS } from '../../statemachines/rollout';
import { acknowledge, wildcardResourceFinding } from '../nag';
import { eventTarget } from './events';
import type { StepFunctions } from './functions';

/** The statuses of a rollout execution that `on-execution-status` handles: the ones that end it unfinished. */
export const EXECUTION_END_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

/** The rollout workflow and its execution log group. */
export interface RolloutStateMachine {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
}

/**
 * The state machine of `statemachines/rollout.asl.json`, every step placeholder filled with the ARN of the step's
 * current version, logging every event with execution data to its own log group, traced with X-Ray.
 */
export function buildStateMachine(
  scope: Construct,
  steps: StepFunctions,
  retention: logs.RetentionDays,
): RolloutStateMachine {
  const logGroup = new logs.LogGroup(scope, 'StateMachineLogGroup', {
    // Step Functions log delivery wants the /aws/vendedlogs/ prefix (it keeps the resource policy small).
    logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`,
    retention,
  });
  const stateMachine = new sfn.StateMachine(scope, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromString(readRolloutDefinition()),
    definitionSubstitutions: definitionSubstitutions(steps.versions),
    stateMachineType: sfn.StateMachineType.STANDARD,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
  grantInvokeSteps(stateMachine, steps.functions);
  acknowledge(
    stateMachine.role,
    'AwsSolutions-IAM5[Resource::*]',
    'Added by CDK for logging and tracing: the CloudWatch Logs log-delivery actions (logs:CreateLogDelivery, ' +
      'logs:GetLogDelivery, logs:UpdateLogDelivery, logs:DeleteLogDelivery, logs:ListLogDeliveries, ' +
      'logs:PutResourcePolicy, logs:DescribeResourcePolicies, logs:DescribeLogGroups) and X-Ray ' +
      '(xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets) ' +
      'support no resource-level permissions.',
  );
  return { stateMachine, logGroup };
}

/**
 * `...:execution:<state machine name>:*`. The event functions are not in the definition, so they may name the
 * state machine (its name is generated, hence a token) without a dependency cycle: it depends on the steps only.
 */
export function executionsArnOf(stateMachine: sfn.StateMachine): string {
  return Stack.of(stateMachine).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The rule sending this state machine's ABORTED, TIMED_OUT and FAILED executions to `onExecutionStatus`. */
export function buildExecutionStatusRule(
  scope: Construct,
  stateMachine: sfn.IStateMachine,
  onExecutionStatus: lambda.IFunction,
  deadLetterQueue: sqs.IQueue,
): events.Rule {
  return new events.Rule(scope, 'ExecutionStatusRule', {
    description: 'Rollout Pilot: a rollout execution that ended unfinished (on-execution-status)',
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [stateMachine.stateMachineArn], status: [...EXECUTION_END_STATUSES] },
    },
    targets: [eventTarget(onExecutionStatus, deadLetterQueue)],
  });
}

/** Service integrations in the deployment's partition (the definition names no partition), then the steps. */
function definitionSubstitutions(versions: StepFunctions['versions']): Record<string, string> {
  const substitutions: Record<string, string> = integrationArns(Aws.PARTITION);
  for (const [placeholder, step] of Object.entries(STEP_PLACEHOLDERS)) {
    substitutions[placeholder] = versions[step].functionArn;
  }
  return substitutions;
}

/**
 * A definition given as a string tells CDK nothing about what it calls, so the grants are explicit. They cover
 * every version of each step function, not only the current one: an execution started before a deployment keeps
 * its definition, which names the versions it started with (retained), and the state machine role must still be
 * allowed to invoke them, or every rollout in flight would fail at its next step after a deploy.
 */
function grantInvokeSteps(stateMachine: sfn.StateMachine, functions: StepFunctions['functions']): void {
  for (const [step, fn] of Object.entries(functions)) {
    const anyVersion = `${fn.functionArn}:*`;
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [anyVersion] }),
    );
    acknowledge(
      stateMachine.role,
      wildcardResourceFinding(stateMachine, anyVersion),
      `The versions of the ${step} step function only: executions started before a deployment invoke the ` +
        'retained version their definition names, so the grant cannot be limited to the current version.',
    );
  }
}
