import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { durationString } from '../functions/core/duration';
import { formatIssues } from '../functions/core/issues';
import { ACCOUNT_ID } from '../functions/core/service-access';
import { visibleText } from '../functions/core/text';
import { FlagsWorldSchema } from './flags-world';
import { ExpectSchema } from './scenario-expect';

/** A scenario file could not be used; the message names the file and every bad field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const offset = durationString().describe('An offset from `start`, ISO-8601, e.g. `PT70M`.');
const ratio = z.number().min(0).max(1);

const behaviour = z
  .strictObject({
    errorRate: ratio.describe('Share of the version\u2019s requests that fail (0.002 = 0.2 %).'),
    p50Ms: z.number().positive().describe('Median latency, ms.'),
    p95Ms: z.number().positive().describe('95th-percentile latency, ms.'),
    environment: z
      .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'expected an environment variable name'), z.string())
      .optional()
      .describe(
        'The version\u2019s environment variables (for `readiness.configuration`): a Lambda version\u2019s `Environment.Variables`; for an ALB plan, parameters under the plan\u2019s `parameterPath` for the version (a value `secure:<value>` is a `SecureString`). Default: none.',
      ),
  })
  .refine((b) => b.p95Ms >= b.p50Ms, { message: 'p95Ms must be at least p50Ms', path: ['p95Ms'] });

const change = z
  .strictObject({
    at: offset,
    version: z
      .string()
      .optional()
      .describe('The version whose behaviour changes (omit to change only the request rate).'),
    errorRate: ratio.optional(),
    p50Ms: z.number().positive().optional(),
    p95Ms: z.number().positive().optional(),
    requestsPerMinute: z.number().min(0).optional().describe('A new request rate for the whole service.'),
  })
  .refine((c) => c.version !== undefined || c.requestsPerMinute !== undefined, {
    message: 'a change names a version (and its new behaviour) or a new requestsPerMinute',
  });

const fault = z
  .strictObject({
    operation: z
      .string()
      .regex(
        /^(lambda|dynamodb|cloudwatch|sns|states|rds|ssm|secretsmanager|elasticloadbalancing|sts|s3):[A-Z][A-Za-z0-9]+$/,
        'expected service:Operation, e.g. "lambda:UpdateAlias"',
      )
      .describe(
        'The AWS operation that fails: lambda, dynamodb, cloudwatch, sns, states, rds, ssm, secretsmanager, elasticloadbalancing, sts (`sts:AssumeRole`: the service role session every step acts through) or s3 (the release\u2019s migration files: `s3:ListObjectsV2`, `s3:GetObject`), and the API name (`dynamodb` covers the flags table too).',
      ),
    error: z
      .string()
      .min(1)
      .optional()
      .describe('The AWS error it answers with, e.g. `TooManyRequestsException` (required unless `crash`).'),
    crash: z
      .literal('after')
      .optional()
      .describe(
        '`after`: the call succeeds, then the function that made it dies before it returns (`Runtime.ExitError`), as a Lambda killed right after a side effect.',
      ),
    times: z.number().int().min(1).optional().describe('How many calls fail (default 1, or all calls until `until`).'),
    from: offset.optional().describe('Calls fail from this offset on (default: from the start).'),
    until: offset.optional().describe('Calls fail until this offset: the moment the cause is fixed.'),
  })
  .refine((f) => f.error !== undefined || f.crash !== undefined, {
    message: 'a fault answers with an `error`, or `crash`es the caller after the call',
    path: ['error'],
  });

const by = visibleText({ max: 200 }).describe('Who sends it (recorded on the rollout; visible text on one line).');
const reason = visibleText({ max: 1000 });
const signal = z
  .discriminatedUnion('type', [
    z.strictObject({
      at: offset,
      type: z.literal('redrive').describe('An operator redrives the execution, if it failed at a step.'),
      by: by.optional(),
    }),
    z.strictObject({
      at: offset,
      type: z.literal('abort').describe('`rollout-pilot abort`: roll back now.'),
      by,
      reason,
      restoreData: z.boolean().optional().describe('`--restore-data`: the release damaged data.'),
    }),
    z.strictObject({
      at: offset,
      type: z.literal('promote').describe('`rollout-pilot promote`: cut the current bake short.'),
      by,
      reason: reason.optional(),
    }),
    z.strictObject({
      at: offset,
      type: z.literal('stop-execution').describe('Someone stops the execution in the Step Functions console.'),
      by: by.optional(),
    }),
    z.strictObject({
      at: offset,
      type: z
        .literal('approve')
        .describe(
          '`rollout-pilot approve`: approve the unsafe migrations or the phase approval the rollout waits for, else the database restore that waits for it.',
        ),
      by,
      reason: reason.optional(),
    }),
    z.strictObject({
      at: offset,
      type: z
        .literal('reject')
        .describe(
          '`rollout-pilot reject`: reject the unsafe migrations (the release is blocked) or the phase approval (the release is rolled back) the rollout waits for, else decline the database restore (the data stays as it is).',
        ),
      by,
      reason,
    }),
    z.strictObject({
      at: offset,
      type: z
        .literal('start')
        .describe(
          'A pipeline starts another execution (another release of the service, once the one before has ended or not), as `rollout-pilot start` does.',
        ),
      name: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'expected lowercase letters, digits and hyphens (at most 80)')
        .describe(
          'The execution\u2019s name (unique in the scenario; the first execution is named after the scenario).',
        ),
      input: z.unknown().describe('Its execution input, passed as is (as `input`).'),
    }),
    z.strictObject({
      at: offset,
      type: z
        .literal('unfreeze')
        .describe('`rollout-pilot unfreeze`: lift the service\u2019s freeze after a rolled-back rollout.'),
      by,
      reason,
    }),
    z.strictObject({
      at: offset,
      type: z
        .literal('restore')
        .describe(
          "`rollout-pilot restore`: restore a finished rollout's snapshot into a new database, as a new execution (its report is the scenario's).",
        ),
      rollout: z
        .union([z.number().int().min(0), z.literal('previous')])
        .default('previous')
        .describe("Which of the scenario's executions: its index (0: the first), or `previous` (the last started)."),
      by,
      reason,
    }),
  ])
  .describe('What operators do, and when.');

const alarmChange = z
  .strictObject({
    at: offset,
    alarm: z
      .string()
      .min(1)
      .max(255)
      .describe('An alarm the plan names (`alarms.existing`), or any other alarm name (an alarm of another team).'),
    state: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
    reason: reason.optional().describe('The state reason CloudWatch shows (visible text on one line).'),
  })
  .describe('An alarm changes state (as `SetAlarmState` does; the generated alarms also follow the metrics).');

/** A simulation scenario: a plan, an execution input, and the world the rollout meets. */
export const ScenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and hyphens')
    .describe('Names the execution and the report.'),
  description: z.string().optional().describe('What happens, and the outcome it must give.'),
  seed: z.number().int().describe('Seeds every random draw: the same seed and file give the same report.'),
  start: z.iso.datetime({ offset: true }).describe('Where the virtual clock starts, with its UTC offset.'),
  plan: z.string().min(1).describe('The plan file, relative to the project root.'),
  account: z
    .string()
    .regex(ACCOUNT_ID, 'expected an AWS account id: 12 digits')
    .optional()
    .describe(
      'The AWS account the service is deployed in (its `RolloutService` stack: its role, plan parameter and resources); default: the orchestrator\u2019s account, `123456789012`. Its resources carry it in their ARNs; an execution input for it names it as `account`.',
    ),
  input: z.unknown().describe('The execution input, passed as is (so that bad inputs can be simulated too).'),
  world: z.strictObject({
    stableVersion: z.string().min(1).describe('The version serving all traffic at the start.'),
    requestsPerMinute: z.number().positive(),
    versions: z.record(z.string(), behaviour).describe('Published versions and how each behaves.'),
    changes: z.array(change).default([]).describe('Behaviour changes over time.'),
    faults: z.array(fault).default([]).describe('AWS API faults to inject.'),
    signals: z.array(signal).default([]).describe('What operators do, and when.'),
    alarmChanges: z.array(alarmChange).default([]).describe('Alarms changing state, and when.'),
    lostEvents: z
      .array(
        z.strictObject({
          detailType: z
            .literal('Step Functions Execution Status Change')
            .describe(
              'The kind of event EventBridge loses. AWS documents execution status changes as delivered best effort (alarm state changes are not lost).',
            ),
          statuses: z
            .array(z.enum(['ABORTED', 'TIMED_OUT', 'FAILED', 'SUCCEEDED']))
            .min(1)
            .optional()
            .describe('Only events of executions ending so (default: any).'),
          times: z.number().int().min(1).optional().describe('How many to lose (default: every one).'),
        }),
      )
      .default([])
      .describe(
        'Events EventBridge loses (never delivered to any rule): the reconciler must find what they would have told.',
      ),
    alarmsInAlarm: z
      .array(z.string().min(1).max(255))
      .default([])
      .describe(
        'Alarms already in ALARM when the scenario starts, before the execution (e.g. an alarm firing on production that the release fixes). They stay in ALARM until an `alarmChanges` entry changes them. `alarmChanges` at `PT0S` happen just after the start, so the gate may not see them.',
      ),
    checks: z
      .record(
        z.string().regex(/^(health|lambda):.+$/, 'expected `health:<url>` or `lambda:<functionName>`'),
        z.enum(['pass', 'fail']),
      )
      .default({})
      .describe(
        'Results of the plan’s readiness checks, keyed `health:<url>` (`fail`: the URL answers 503 "unhealthy"; `pass`: 200 "ok") or `lambda:<functionName>` (the check function answers `{ "ok": false }` or `{ "ok": true }`). Every check passes unless listed here.',
      ),
    smoke: z
      .record(z.string().min(1), z.enum(['pass', 'fail']))
      .default({})
      .describe(
        'Results of the plan’s `invoke` smoke tests, keyed by the smoke test’s name (`fail`: the new version fails with `FunctionError: Unhandled` when invoked with that test’s payload; `pass`: it answers `{"statusCode":200,"body":"ok"}`). Every invoke smoke test passes unless listed here. An `http` smoke test answers as the readiness checks do: `checks` with `health:<url>`.',
      ),
    checkChanges: z
      .array(
        z.strictObject({
          at: offset,
          check: z
            .string()
            .regex(
              /^(health|lambda|smoke):.+$/,
              'expected `health:<url>`, `lambda:<functionName>` or `smoke:<smoke test name>`',
            )
            .describe(
              'The check: `health:<url>` (an HTTP check or HTTP smoke test of that URL), `lambda:<functionName>` (a check function) or `smoke:<name>` (an `invoke` smoke test).',
            ),
          result: z.enum(['pass', 'fail']),
        }),
      )
      .default([])
      .describe(
        'Readiness checks and smoke tests whose result changes at a given time (`checks` and `smoke` are the results at the start), e.g. a health check that starts failing once the new version serves everyone.',
      ),
    database: z
      .strictObject({
        rows: z.number().int().min(0).default(100_000).describe('Rows in the tables at the start.'),
        writesPerMinute: z
          .number()
          .min(0)
          .default(50)
          .describe('Rows the service writes per minute, shared by the versions by their share of traffic.'),
        corruptsDataVersion: z
          .string()
          .optional()
          .describe(
            'A version that damages every row it writes; the plan’s `data`-class alarms watch for damaged rows.',
          ),
        latestBackupAge: durationString()
          .default('PT2H')
          .describe('Age of the newest automated backup at the start (e.g. `PT30H` for a stale one).'),
        previousRolloutSnapshots: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(0)
          .describe(
            'Rollout snapshots earlier releases left, one a day before the start (the plan keeps `keepSnapshots`).',
          ),
      })
      .optional()
      .describe(
        'The plan’s database (RDS instance or Aurora cluster, as the plan says). A plan with a database and no section here gets these defaults: a healthy database with a fresh backup.',
      ),
    tenants: z
      .array(
        z.strictObject({
          id: z.string().min(1).max(128).describe('The tenant id, as the flag lists pilots.'),
          requestsPerMinute: z.number().min(0).describe('This tenant\u2019s requests per minute.'),
        }),
      )
      .min(1)
      .optional()
      .describe(
        'For a feature-flag plan: the tenants and their traffic (their sum replaces `requestsPerMinute`). Default: 200 tenants `tenant-001`\u2026`tenant-200` sharing `requestsPerMinute` evenly. The report lists those that ever got the new version.',
      ),
    flags: FlagsWorldSchema,
    canaryHealthyTargets: z
      .number()
      .int()
      .min(0)
      .default(2)
      .describe(
        'For an ALB plan: healthy targets in the idle target group the new version was deployed into (0: the deploy failed, and the gate blocks).',
      ),
    servingTargetGroup: z
      .enum(['stable', 'canary'])
      .default('stable')
      .describe(
        'For an ALB plan: which of the plan\u2019s target groups serves all traffic at the start (`canary` after an earlier release was promoted into it: the stable version then runs there, and the new one is deployed into the plan\u2019s `stableTargetGroupArn`).',
      ),
    s3: z
      .record(
        z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/, 'expected s3://<bucket>/<key>'),
        z.string(),
      )
      .default({})
      .describe(
        'Objects in S3 at the start, by `s3://<bucket>/<key>`, with their text: for instance a release\u2019s migration files, which an execution input names by their prefix (`migrations.s3`).',
      ),
    metricsDelay: durationString({ maxSeconds: 600 })
      .default('PT1M')
      .describe('How long after a minute ends its datapoint is visible.'),
  }),
  expect: ExpectSchema.optional(),
});

export type Scenario = z.output<typeof ScenarioSchema>;

/** Read and validate a scenario file. */
export function loadScenario(path: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ScenarioError(
      `${path}: ${error instanceof SyntaxError ? `not valid JSON (${error.message})` : (error as Error).message}`,
    );
  }
  return parseScenario(raw, path);
}

/** Validate a scenario object; every problem is named with its field. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ScenarioError(`${source}: ${formatIssues(parsed.error).join('; ')}`);
  const scenario = parsed.data;
  const problems: string[] = [];
  if (!scenario.world.versions[scenario.world.stableVersion]) {
    problems.push(`world.stableVersion: "${scenario.world.stableVersion}" is not one of world.versions`);
  }
  scenario.world.changes.forEach((c, i) => {
    if (c.version !== undefined && !scenario.world.versions[c.version]) {
      problems.push(`world.changes[${i}].version: "${c.version}" is not one of world.versions`);
    }
  });
  const corrupts = scenario.world.database?.corruptsDataVersion;
  if (corrupts !== undefined && !scenario.world.versions[corrupts]) {
    problems.push(`world.database.corruptsDataVersion: "${corrupts}" is not one of world.versions`);
  }
  const names = [scenario.name, ...scenario.world.signals.flatMap((s) => (s.type === 'start' ? [s.name] : []))];
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push(`world.signals: the execution name "${name}" is used twice`);
  });
  const ids = scenario.world.tenants?.map((t) => t.id) ?? [];
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) problems.push(`world.tenants[${i}].id: tenant "${id}" is listed twice`);
  });
  if (problems.length) throw new ScenarioError(`${source}: ${problems.join('; ')}`);
  return scenario;
}
