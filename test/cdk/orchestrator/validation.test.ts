import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { InvalidOrchestratorProps, RolloutOrchestrator, validateOrchestratorProps } from '../../../lib/orchestrator';
import { NO_BUNDLING } from '../fixtures';

/** Run `fn` and return what it threw (fails the test when it throws nothing). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  expect.fail('expected an error, none was thrown');
}

describe('RolloutOrchestrator props', () => {
  it('report every problem at once: the name, each service account, a repeated account and the organization', () => {
    // Prepare
    const props = {
      name: 'Rollout_Pilot',
      serviceAccounts: ['222222222222', '12345', '222222222222'],
      organizationId: 'org-1',
    };

    // Act
    const error = thrownBy(() => new RolloutOrchestrator(new Stack(), 'Orchestrator', props));

    // Assess
    expect(error).toBeInstanceOf(InvalidOrchestratorProps);
    const { problems, message } = error as InvalidOrchestratorProps;
    expect(problems).toEqual([
      expect.stringMatching(/^name: "Rollout_Pilot" is not an orchestrator name/),
      'serviceAccounts[1]: "12345" is not an AWS account id (12 digits)',
      'serviceAccounts: 222222222222 is listed more than once',
      expect.stringMatching(/^organizationId: "org-1" is not an AWS Organizations id/),
    ]);
    expect(message).toContain('4 problems');
    for (const problem of problems) expect(message).toContain(problem);
  });

  it('refuse names that do not fit a role path, a parameter name and a bus name', () => {
    // Act
    const problems = ['', 'a'.repeat(33), '-pilot', 'pilot-', '1pilot', 'pilot/x'].map(
      (name) => validateOrchestratorProps({ name }).length,
    );

    // Assess
    expect(problems).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('accept the defaults, and a name, accounts and an organization that are well formed', () => {
    // Act
    const problems = [
      validateOrchestratorProps({}),
      validateOrchestratorProps({ name: 'p', serviceAccounts: [], organizationId: undefined }),
      validateOrchestratorProps({
        name: `p${'a'.repeat(30)}1`,
        serviceAccounts: ['111111111111', '222222222222'],
        organizationId: 'o-a1b2c3d4e5',
      }),
    ];
    const orchestrator = new RolloutOrchestrator(new Stack(new App({ context: NO_BUNDLING })), 'O');

    // Assess
    expect(problems).toEqual([[], [], []]);
    expect(orchestrator.name).toBe('rollout-pilot');
  });
});
