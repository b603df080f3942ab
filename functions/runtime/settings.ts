import type { Settings } from '../adapters/aws';

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
  };
}
