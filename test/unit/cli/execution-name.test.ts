import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXECUTION_NAME, executionName, runStart } from '../../../bin/cli/aws-commands';
import { main } from '../../../bin/rollout-pilot';

const AT = new Date('2026-11-17T14:00:00.123Z');
/** Another second for each test: names made in the same second never repeat, which would change a fixed suffix. */
const second = (n: number) => new Date(AT.getTime() + n * 1000);

describe('execution names made by `rollout-pilot start` (issue 13, item 7)', () => {
  it('reads <service>-<version>-<UTC time to the second>-<4 hex digits>', () => {
    // Act
    const name = executionName('checkout-api', '42', AT);

    // Assess
    expect(name).toMatch(/^checkout-api-42-20261117T140000Z-[0-9a-f]{4}$/);
  });

  it('keeps the time and the suffix when the service and the version are long, shortening those instead', () => {
    // Prepare
    const service = 'payments-reconciliation-batch-processor-eu-west-settlement';
    const version = '2026.11.17-build.48213-commit.9f8e7d6c5b4a39281706f5e4d3c2b1a0';

    // Act
    const name = executionName(service, version, second(1), () => 'beef');

    // Assess
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(EXECUTION_NAME);
    expect(name.endsWith('-20261117T140001Z-beef')).toBe(true);
    const [kept] = name.split('-20261117T140001Z-');
    // Both parts stay recognisable: each keeps its start.
    expect(kept?.startsWith('payments-reconciliation')).toBe(true);
    expect(kept).toContain('2026-11-17-build');
  });

  it('gives a short part all it needs and shortens only the long one', () => {
    // Act
    const name = executionName('api', `1-${'x'.repeat(100)}`, second(2), () => 'beef');

    // Assess
    expect(name).toHaveLength(80);
    expect(name.startsWith('api-1-xxx')).toBe(true);
  });

  it('turns characters AWS refuses (or CloudWatch Logs would not take) into dashes', () => {
    // Act
    const name = executionName('checkout-api', 'v1.2.3+build/7 (rc:1) ~#%', second(3), () => 'beef');

    // Assess
    expect(name).toBe('checkout-api-v1-2-3-build-7-rc-1-20261117T140003Z-beef');
  });

  it('never gives the same name twice in one second', () => {
    // Act: a suffix source that keeps repeating itself.
    const first = executionName('checkout-api', '42', second(4), () => '7f3a');
    const again = executionName('checkout-api', '42', second(4), () => '7f3a');
    const random = Array.from({ length: 50 }, () => executionName('checkout-api', '42', second(5)));

    // Assess
    expect(again).not.toBe(first);
    expect(again).toMatch(/^checkout-api-42-20261117T140004Z-[0-9a-f]{4}$/);
    expect(new Set(random).size).toBe(random.length);
  });

  it('always matches the StartExecution name rules, whatever the service and version', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.date({ noInvalidDate: true, min: new Date('2000-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z') }),
        (service, version, at) => {
          // Act
          const name = executionName(service, version, at);

          // Assess
          expect(name).toMatch(EXECUTION_NAME);
          expect(name.length).toBeLessThanOrEqual(80);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('starts the execution under that name', async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' } as never);

    // Act
    const code = await runStart(
      { service: 'checkout-api', version: '42' },
      { sfn: new SFNClient({}), stateMachineArn: 'arn:sm', write: () => {}, sleep: async () => {}, now: () => AT },
    );

    // Assess
    expect(code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toMatch(
      /^checkout-api-42-20261117T140000Z-[0-9a-f]{4}$/,
    );
    sfn.restore();
  });

  it('refuses a --name AWS would refuse, naming the flag, and calls nothing', async () => {
    // Prepare
    const sfn = mockClient(SFNClient);
    const errors: string[] = [];

    // Act
    const code = await main(
      [
        'start',
        '--service',
        'checkout-api',
        '--version',
        '42',
        '--name',
        'release 42: friday',
        '--state-machine-arn',
        'arn:aws:states:us-east-1:123456789012:stateMachine:x',
        '--table',
        't',
      ],
      () => {},
      (line) => errors.push(line),
    );

    // Assess
    expect(code).toBe(2);
    expect(errors.join('\n')).toMatch(/--name: expected 1 to 80 letters, digits, - or _/);
    expect(sfn.calls()).toHaveLength(0);
    sfn.restore();
  });
});
