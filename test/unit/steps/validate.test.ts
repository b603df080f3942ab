import { describe, expect, it } from 'vitest';
import { type PlanStore, PlanUnavailable } from '../../../functions/adapters/plan-store';
import { AwsThrottled, InvalidRolloutInput } from '../../../functions/core/errors';
import type { ServiceAccess } from '../../../functions/core/service-access';
import { validateStep } from '../../../functions/validate/handler';
import { checkoutPlan } from '../adapters/fixtures';

const HOME = '111111111111';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:111111111111:execution:rollout-pilot:release-42';

/** checkout-api registered in `account` (version 7); reads recorded. */
function plans(account: string, fail?: Error): PlanStore & { reads: ServiceAccess[] } {
  const reads: ServiceAccess[] = [];
  return {
    reads,
    read: async (access) => {
      reads.push(access);
      if (fail) throw fail;
      if (access.service !== 'checkout-api' || access.account !== account) {
        throw new PlanUnavailable('its service has not registered one (no parameter …)');
      }
      return { plan: checkoutPlan(), version: 7 };
    },
  };
}

function validate(input: unknown, store: PlanStore) {
  return validateStep.run(
    { input, executionArn: EXECUTION_ARN, startedAt: '2026-11-17T14:00:00.000Z' },
    { plans: store, account: () => HOME },
  );
}

describe('the validate step', () => {
  it("reads the plan in the orchestrator's account when the input names none, through a session for this rollout", async () => {
    // Prepare
    const store = plans(HOME);

    // Act
    const out = await validate({ service: 'checkout-api', version: '42' }, store);

    // Assess
    expect(store.reads).toEqual([{ service: 'checkout-api', account: HOME, rolloutId: 'release-42' }]);
    expect(out.ref).toMatchObject({ service: 'checkout-api', account: HOME, rolloutId: 'release-42' });
    expect(out.planVersion).toBe(7);
    expect(out.plan).toEqual(checkoutPlan());
  });

  it('reads it in the account the input names', async () => {
    const out = await validate(
      { service: 'checkout-api', version: '42', account: '222222222222' },
      plans('222222222222'),
    );
    expect(out.ref.account).toBe('222222222222');
  });

  it('refuses a service with no plan to read, naming the service and the account, with the other problems', async () => {
    // Act
    const error = await validate({ service: 'checkout-api', version: 'x', account: '333333333333' }, plans(HOME)).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(InvalidRolloutInput);
    expect((error as InvalidRolloutInput).problems).toEqual([
      'service: no plan is registered for "checkout-api" in account 333333333333: its service has not registered one (no parameter …)',
    ]);
  });

  it('reads nothing for a malformed account, and names it', async () => {
    const store = plans(HOME);
    const error = await validate({ service: 'checkout-api', version: '42', account: '12' }, store).catch(
      (e: unknown) => e,
    );
    expect((error as InvalidRolloutInput).problems).toEqual(['account: expected a 12-digit AWS account id']);
    expect(store.reads).toEqual([]);
  });

  it('lets a fault reading the plan fail the step, for the state machine to retry', async () => {
    const throttled = new AwsThrottled('ssm:GetParameter: ThrottlingException: Rate exceeded');
    await expect(validate({ service: 'checkout-api', version: '42' }, plans(HOME, throttled))).rejects.toBe(throttled);
  });
});
