import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanUnavailable, SsmPlanStore } from '../../../functions/adapters/plan-store';
import { AwsThrottled } from '../../../functions/core/errors';
import { storedPlanValue } from '../../../functions/core/service-access';
import { checkoutPlan } from './fixtures';

const ACCESS = { service: 'checkout-api', account: '222222222222', rolloutId: 'release-42' };
const NAME = '/rollout-pilot/platform/services/checkout-api/plan';

describe('SsmPlanStore', () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());
  const asked: (typeof ACCESS)[] = [];
  const store = new SsmPlanStore(
    (access) => {
      asked.push(access);
      return new SSMClient({});
    },
    () => 'platform',
  );

  it("reads the service's plan parameter through the service's session, with its version", async () => {
    // Prepare
    ssm
      .on(GetParameterCommand, { Name: NAME })
      .resolves({ Parameter: { Value: storedPlanValue(checkoutPlan()), Version: 3 } });

    // Act
    const stored = await store.read(ACCESS);

    // Assess
    expect(stored).toEqual({ plan: checkoutPlan(), version: 3 });
    expect(asked.at(-1)).toEqual(ACCESS);
  });

  it('says a missing parameter is a service that registered no plan, naming the parameter', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(Object.assign(new Error('Parameter not found.'), { name: 'ParameterNotFound' }));
    const error = await store.read(ACCESS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanUnavailable);
    expect((error as Error).message).toBe(`its service has not registered one (no parameter ${NAME})`);
  });

  it('says a role that cannot be assumed is no plan to read, naming why', async () => {
    const denied = Object.assign(
      new Error('User: arn:aws:sts::1:assumed-role/x is not authorized to perform: sts:AssumeRole'),
      {
        name: 'AccessDenied',
      },
    );
    ssm.on(GetParameterCommand).rejects(denied);
    const error = await store.read(ACCESS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanUnavailable);
    expect((error as Error).message).toMatch(
      /^its role cannot be assumed \(AccessDenied: .*not authorized to perform: sts:AssumeRole\)$/,
    );
  });

  it('says a parameter that holds no valid plan is none, naming the problem', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"service":"checkout-api"}', Version: 1 } });
    const error = await store.read(ACCESS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanUnavailable);
    expect((error as Error).message).toMatch(new RegExp(`^${NAME} holds no valid plan: ${NAME}: \\d+ problems?: `));

    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'not json', Version: 1 } });
    await expect(store.read(ACCESS)).rejects.toThrow(`${NAME} holds no valid plan: not JSON`);
  });

  it('lets a role that cannot read its own parameter fail the step: a broken deployment, not an input', async () => {
    const denied = Object.assign(new Error('not authorized to perform: ssm:GetParameter'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    ssm.on(GetParameterCommand).rejects(denied);
    const error = await store.read(ACCESS).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PlanUnavailable);
    expect((error as Error).name).toBe('AccessDeniedException');
  });

  it('lets a throttled read fail the step, for the state machine to retry', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    await expect(store.read(ACCESS)).rejects.toBeInstanceOf(AwsThrottled);
  });
});
