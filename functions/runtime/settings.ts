import type { Settings } from '../adapters/aws';
import { DEFAULT_ORCHESTRATOR_NAME, ORCHESTRATOR_NAME } from '../core/service-access';

/** Settings from the Lambda environment, checked so that a misconfigured deployment fails loudly. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set; the orchestrator construct sets it`);
    return value;
  };
  return {
    tableName: need('ROLLOUT_TABLE'),
    defaultTopicArn: need('DEFAULT_TOPIC_ARN'),
    region: need('AWS_REGION'),
    account: need('DEPLOYMENT_ACCOUNT'),
    partition: env.DEPLOYMENT_PARTITION ?? 'aws',
    orchestrator: orchestratorName(env.ORCHESTRATOR_NAME),
  };
}

function orchestratorName(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_ORCHESTRATOR_NAME;
  if (!ORCHESTRATOR_NAME.test(value)) {
    throw new Error(
      `environment variable ORCHESTRATOR_NAME is "${value}", not an orchestrator name (${ORCHESTRATOR_NAME})`,
    );
  }
  return value;
}
