import { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { Plan } from '../functions/core/plan';
import { DEFAULT_ORCHESTRATOR_NAME } from '../functions/core/service-access';
import { buildAlarmRule } from './service/events';
import { warnListenerRuleElsewhere } from './service/grants/alb';
import { buildPlanParameter } from './service/parameter';
import { buildServiceRole, grantServiceAccess, type OrchestratorRef } from './service/role';
import { buildServiceTopic } from './service/topic';
import { InvalidServiceProps, validateServiceProps } from './service/validation';

// The names lib/, bin/ and the tests import from here; the builders live in lib/service/.
export { EVENT_PATTERN_QUOTA, eventPatternOf } from './service/events';
export { GENERATED_ALARM_ACTIONS, generatedAlarmArn } from './service/grants/alarms';
export { parameterArn, restoredIdentifierPrefix, secretArn } from './service/grants/database-restore';
export { DESCRIBE_ALARMS, GET_METRIC_DATA } from './service/grants/readiness';
export { planParameterProblems, planParameterTier } from './service/parameter';
export type { OrchestratorRef } from './service/role';
export { InvalidServiceProps, validateServiceProps } from './service/validation';

/** Properties of {@link RolloutService}. */
export interface RolloutServiceProps {
  /** The service's rollout plan, parsed with `parsePlan` (it is checked again, with every problem reported). */
  readonly plan: Plan;

  /**
   * The orchestrator the service onboards to, found by name and account only (no reference to its stack): its
   * function roles are trusted by the service's role, its bus receives the service's alarms.
   *
   * @default name `rollout-pilot` (`DEFAULT_ORCHESTRATOR_NAME`), account: this stack's account
   */
  readonly orchestrator?: {
    /** @default 'rollout-pilot' */
    readonly name?: string;
    /** @default this stack's account */
    readonly account?: string;
  };
}

/**
 * What a service deploys to be released by an orchestrator, in the service's own account and the orchestrator's
 * Region: its plan (an SSM parameter the orchestrator reads when a rollout starts), the IAM role the
 * orchestrator's functions assume for its rollouts, holding exactly this service's grants, its notification topic
 * (when the plan names one to create), and its alarm rule forwarding its alarms to the orchestrator's bus.
 */
export class RolloutService extends Construct {
  /** The plan as given. */
  readonly plan: Plan;
  /** The orchestrator this service onboards to. */
  readonly orchestrator: OrchestratorRef;
  /** The plan, stored: `planParameterName(orchestrator, service)`. */
  readonly parameter: ssm.StringParameter;
  /** The role the orchestrator's functions assume for this service's rollouts. */
  readonly role: iam.Role;
  /** The service's topic, when the plan has `notifications.topicName`. */
  readonly topic?: sns.Topic;
  /** The rule forwarding the service's alarms to the orchestrator's bus, when the plan has alarms. */
  readonly alarmRule?: events.Rule;

  constructor(scope: Construct, id: string, props: RolloutServiceProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = validateServiceProps(props, stack);
    if (problems.length) throw new InvalidServiceProps(this.node.path, problems);
    const { plan } = props;
    this.plan = plan;
    this.orchestrator = {
      name: props.orchestrator?.name ?? DEFAULT_ORCHESTRATOR_NAME,
      account: props.orchestrator?.account ?? stack.account,
    };

    this.parameter = buildPlanParameter(this, plan, this.orchestrator.name);
    this.topic = buildServiceTopic(this, plan);
    this.role = buildServiceRole(this, plan, this.orchestrator);
    grantServiceAccess(this.role, plan, {
      parameterArn: this.parameter.parameterArn,
      topicArn: plan.notifications?.topicArn ?? this.topic?.topicArn,
    });
    this.alarmRule = buildAlarmRule(this, plan, this.orchestrator);
    warnListenerRuleElsewhere(this, plan);
  }
}
