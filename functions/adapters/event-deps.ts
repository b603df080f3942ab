import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Plan } from '../core/plan';
import { CloudWatchAlarms } from './alarms';
import { STEP_CLIENT_CONFIG, settingsFromEnv } from './aws';
import { StepFunctionsExecutions } from './executions';
import { SnsNotifier } from './notifier';
import { bundledPlans } from './plans';
import type { RollBackNowDeps } from './rollout-actions';
import { DynamoRolloutStore } from './store';
import { routerFor, stepRouterClients } from './targets';
import { StepFunctionsTokens } from './tokens';

/** What the functions outside the state machine (alarm, execution status, signals) work with. */
export interface EventDeps extends RollBackNowDeps {
  /** The plans of this deployment, by service (bundled at synth, as the validate step has them). */
  plans(): ReadonlyMap<string, Plan>;
}

/** The deployed dependencies, from the Lambda environment. */
export function eventDepsFromEnv(): EventDeps {
  const settings = settingsFromEnv();
  const plans = bundledPlans();
  const routers = stepRouterClients();
  const sfn = new SFNClient(STEP_CLIENT_CONFIG);
  return {
    now: () => new Date(),
    plans: () => plans,
    store: new DynamoRolloutStore(new DynamoDBClient(STEP_CLIENT_CONFIG), settings.tableName),
    routerFor: (target, owner) => routerFor(target, routers, owner),
    tokens: new StepFunctionsTokens(sfn),
    executions: new StepFunctionsExecutions(sfn),
    notifier: new SnsNotifier(new SNSClient(STEP_CLIENT_CONFIG)),
    alarms: new CloudWatchAlarms(new CloudWatchClient(STEP_CLIENT_CONFIG)),
    settings,
  };
}
