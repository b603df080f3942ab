import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../../functions/runtime/settings';

const ENV = {
  ROLLOUT_TABLE: 'rollouts',
  DEFAULT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:rollouts',
  AWS_REGION: 'eu-west-1',
  DEPLOYMENT_ACCOUNT: '111111111111',
};

describe('settingsFromEnv', () => {
  it('names the orchestrator from ORCHESTRATOR_NAME, rollout-pilot when it is not set', () => {
    expect(settingsFromEnv(ENV).orchestrator).toBe('rollout-pilot');
    expect(settingsFromEnv({ ...ENV, ORCHESTRATOR_NAME: 'platform-b' }).orchestrator).toBe('platform-b');
  });

  it('refuses an orchestrator name that could not name roles and parameters', () => {
    expect(() => settingsFromEnv({ ...ENV, ORCHESTRATOR_NAME: 'Platform B' })).toThrow(
      /ORCHESTRATOR_NAME is "Platform B", not an orchestrator name/,
    );
  });
});
