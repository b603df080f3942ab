import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidPlan } from '../../../functions/core/errors';
import { expectedRolloutSeconds, resolvePhases } from '../../../functions/core/phase';
import {
  HISTORY_BUDGET,
  HISTORY_EVENT_LIMIT,
  type PlanInput,
  PlanSchema,
  parsePlan,
  worstCaseHistoryEvents,
} from '../../../functions/core/plan';
import { CHECKOUT, checkoutPlanInput, plan, planInput, problemsOf, thrownBy } from './fixtures';

const BUDGET = Math.floor(HISTORY_EVENT_LIMIT * HISTORY_BUDGET);

describe('parsePlan', () => {
  it('accepts the checkout-api example plan and keeps what its owners wrote', () => {
    // Act
    const parsed = parsePlan(checkoutPlanInput(), 'examples/plans/checkout-api.json');

    // Assess
    expect(parsed.service).toBe('checkout-api');
    expect(parsed.timeZone).toBe('America/Bogota');
    expect(parsed.target).toEqual({ type: 'lambda-alias', functionName: 'checkout-api', alias: 'live' });
    expect(parsed.phases.map((p) => p.weight)).toEqual([10, 50, 100]);
    expect(parsed.freeze.weekly.map((w) => w.name)).toEqual(['Friday afternoon', 'Weekend']);
    expect(parsed.freeze.dates).toContainEqual({ date: '2026-11-27', name: 'Black Friday', kind: 'business' });
    expect(parsed.freeze.dates).toHaveLength(38);
  });

  it('fills every default of the runbooks into a minimal plan', () => {
    // Act
    const parsed = plan();

    // Assess
    expect(parsed.evaluationInterval).toBe('PT1M');
    expect(parsed.health).toEqual({
      alpha: 0.01,
      confidence: 0.95,
      minRequests: 200,
      minRequestsPerDatapoint: 20,
      datapointDelay: 'PT1M',
      errorRate: {
        regression: { ratio: 2, points: 0.005 },
        ceiling: 0.1,
        sustainedFor: 'PT5M',
        rollbackImmediatelyAbove: 0.05,
        immediateMinErrors: 5,
      },
      latencyP95: { regression: { ratio: 2 }, ceilingMs: 800, rollbackAboveMs: 2000 },
      inconclusive: { maxExtension: 'PT30M', onInconclusive: 'rollback', approvalTimeout: 'PT4H' },
    });
    expect(parsed.freeze).toEqual({
      weekly: [],
      dates: [],
      checkRolloutDuration: true,
      afterIncident: { enabled: true, lift: 'PT24H' },
    });
  });

  it('fills a weekly window’s missing times with the whole day and a date’s kind with holiday', () => {
    // Prepare
    const input = planInput({
      freeze: { weekly: [{ name: 'Weekend', days: ['SAT', 'SUN'] }], dates: [{ date: '2026-12-25', name: 'Navidad' }] },
    });

    // Act
    const parsed = parsePlan(input);

    // Assess
    expect(parsed.freeze.weekly).toEqual([{ name: 'Weekend', days: ['SAT', 'SUN'], from: '00:00', to: '24:00' }]);
    expect(parsed.freeze.dates).toEqual([{ date: '2026-12-25', name: 'Navidad', kind: 'holiday' }]);
  });

  it('names the source and every problem at once, field problems and phase rules together', () => {
    // Prepare
    const input = {
      ...planInput(),
      service: 'Orders_API',
      timeZone: 'Mars/Olympus',
      phases: [
        { weight: 10, bake: 'PT10M' },
        { weight: 90, bake: 'PT10M' },
      ],
    };

    // Act
    const error = thrownBy(() => parsePlan(input, 'plans/orders-api.json'));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlan);
    const { problems, message } = error as InvalidPlan;
    expect(problems).toEqual([
      expect.stringMatching(/^service: expected 1-63 lowercase letters/),
      'timeZone: expected an IANA time zone such as "America/Bogota"',
      'phases[1].weight: the last phase must be 100 (the promotion and its final bake), got 90',
    ]);
    expect(message).toBe(`plans/orders-api.json: 3 problems: ${problems.join('; ')}`);
  });

  it('names each unknown field, however deep, so that a misspelt setting is not silently ignored', () => {
    // Prepare
    const input = {
      ...planInput(),
      colour: 'red',
      health: { errorRate: { advanceBellow: 0.01 } },
      phases: [
        { weight: 10, bake: 'PT10M', bakeTime: 'PT5M' },
        { weight: 100, bake: 'PT10M' },
      ],
    };

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        'colour: unexpected field (not part of the schema; check its spelling)',
        'health.errorRate.advanceBellow: unexpected field (not part of the schema; check its spelling)',
        'phases[0].bakeTime: unexpected field (not part of the schema; check its spelling)',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('says which required fields are missing and what they should be', () => {
    // Act
    const problems = problemsOf({ service: 'orders-api' });

    // Assess
    expect(problems).toEqual([
      'timeZone: required (expected string)',
      'target: required (expected object)',
      'phases: required (expected array)',
    ]);
  });

  it.each([
    ['a bake under a minute', { weight: 100, bake: 'PT30S' }, 'phases[0].bake: must be at least PT1M, got PT30S'],
    ['a bake over 30 days', { weight: 100, bake: 'P31D' }, 'phases[0].bake: must be at most P30D, got P31D'],
    [
      'a bake in months',
      { weight: 100, bake: 'P1M' },
      'phases[0].bake: P1M: years and months have no fixed length; use weeks, days, hours, minutes or seconds',
    ],
    [
      'an evaluation interval that is not whole minutes',
      { weight: 100, bake: 'PT10M', evaluationInterval: 'PT90S' },
      'phases[0].evaluationInterval: must be a whole number of PT1M, got PT90S',
    ],
    [
      'a bake shorter than its evaluation interval',
      { weight: 100, bake: 'PT10M', evaluationInterval: 'PT15M' },
      'phases[0].bake: the bake (PT10M) is shorter than its evaluation interval (PT15M)',
    ],
    ['a weight of 0', { weight: 0, bake: 'PT10M' }, expect.stringMatching(/^phases\[0\]\.weight: Too small/)],
  ])('refuses %s', (_, phase, problem) => {
    // Prepare
    const input = planInput({ phases: [phase as PlanInput['phases'][number]] });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toContainEqual(problem);
  });

  it('refuses two phases with the same name, naming the second', () => {
    // Prepare
    const input = planInput({
      phases: [
        { weight: 10, bake: 'PT10M', name: 'canary' },
        { weight: 50, bake: 'PT10M', name: 'canary' },
        { weight: 100, bake: 'PT10M' },
      ],
    });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual(['phases[1].name: duplicate phase name "canary"']);
  });

  it('refuses a weekly window that ends before it starts', () => {
    // Prepare
    const input = planInput({ freeze: { weekly: [{ name: 'Night', days: ['MON'], from: '22:00', to: '06:00' }] } });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual(['freeze.weekly[0].to: `from` must be before `to`']);
  });

  it('refuses a notification topic given both by name and by ARN', () => {
    // Prepare
    const input = planInput({
      notifications: { topicName: 'orders', topicArn: 'arn:aws:sns:eu-west-1:111122223333:orders' },
    });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual(['notifications: give topicName or topicArn, not both']);
  });

  it('accepts any phases whose weights rise strictly and end at 100', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 19 }), (below100) => {
        // Prepare
        const weights = [...below100.sort((a, b) => a - b), 100];
        const input = planInput({ phases: weights.map((weight) => ({ weight, bake: 'PT10M' })) });

        // Act
        const result = PlanSchema.safeParse(input);

        // Assess
        expect(result.error?.issues).toBeUndefined();
        expect(result.data?.phases.map((p) => p.weight)).toEqual(weights);
      }),
    );
  });

  it('refuses any weight that does not rise, naming that phase’s weight', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 18 }),
        fc.nat(),
        fc.nat(),
        (below100, at, drop) => {
          // Prepare
          const weights = [...below100.sort((a, b) => a - b), 100];
          const i = 1 + (at % (weights.length - 1 || 1));
          const previous = weights[i - 1] ?? 1;
          weights[i] = Math.max(1, previous - (drop % previous));
          const input = planInput({ phases: weights.map((weight) => ({ weight, bake: 'PT10M' })) });

          // Act
          const problems = problemsOf(input);

          // Assess
          expect(problems).toContainEqual(
            `phases[${i}].weight: weights must rise strictly: ${weights[i]} follows ${previous}`,
          );
        },
      ),
    );
  });

  it('accepts the longest bake that fits the Step Functions history budget, and refuses one a minute longer', () => {
    // Prepare: one 100% phase judged every minute, no hold: a bake of N minutes wakes N+1 times, 6 events each,
    // on top of 120 fixed events, 7 of the checks after 100 %, 7 of the recovery watch after a rollback and 4 of the
    // restore mode's Choice states.
    const withBake = (minutes: number) =>
      planInput({
        phases: [{ weight: 100, bake: `PT${minutes}M` }],
        health: { inconclusive: { maxExtension: 'PT0S' } },
      });
    const longest = Math.floor((BUDGET - 138) / 6) - 1;

    // Act
    const within = parsePlan(withBake(longest));
    const problems = problemsOf(withBake(longest + 1));

    // Assess
    expect(worstCaseHistoryEvents(within)).toBe(138 + (longest + 1) * 6);
    expect(worstCaseHistoryEvents(within)).toBeLessThanOrEqual(BUDGET);
    expect(problems).toEqual([
      `phases: a rollout of this plan could need ${138 + (longest + 2) * 6} Step Functions history events (limit 25000, budget ${BUDGET}); use a longer evaluationInterval for the long bakes`,
    ]);
  });

  it('accepts a week-long bake once it is judged every hour instead of every minute', () => {
    // Prepare
    const everyMinute = planInput({ phases: [{ weight: 100, bake: 'P7D' }] });
    const everyHour = planInput({ phases: [{ weight: 100, bake: 'P7D', evaluationInterval: 'PT1H' }] });

    // Act
    const problems = problemsOf(everyMinute);
    const parsed = parsePlan(everyHour);

    // Assess
    expect(problems).toEqual([expect.stringMatching(/^phases: a rollout of this plan could need \d+ Step Functions/)]);
    expect(worstCaseHistoryEvents(parsed)).toBeLessThan(BUDGET);
  });

  it.each([
    [
      'a phase’s evaluationInterval',
      { phases: [{ weight: 100, bake: 'PT10M', evaluationInterval: 'soon' }] },
      'phases[0].evaluationInterval',
    ],
    ['the plan’s evaluationInterval', { evaluationInterval: 'P1Y' }, 'evaluationInterval'],
    [
      'inconclusive.maxExtension',
      { health: { inconclusive: { maxExtension: 'P1M' } } },
      'health.inconclusive.maxExtension',
    ],
  ])('reports a malformed duration in %s as a plan problem naming the field', (_, overrides, field) => {
    // Prepare
    const input = planInput(overrides as Partial<PlanInput>);

    // Act
    const error = thrownBy(() => parsePlan(input, 'plans/orders-api.json'));

    // Assess
    expect(error).toBeInstanceOf(InvalidPlan);
    expect((error as InvalidPlan).problems).toEqual([
      expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `)),
    ]);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: the tests below edit a plan as the JSON people write, at any depth.
type PlanJson = any;

describe('labels people read in reports and notifications', () => {
  /** The checkout-api example with an approval before 100 % and a smoke test, changed by `change`. */
  function labelled(change: (plan: PlanJson) => void): Record<string, unknown> {
    const input: PlanJson = checkoutPlanInput();
    input.phases[2].approval = { role: 'tech-lead' };
    input.smokeTests = [{ type: 'invoke', name: 'checkout answers', payload: {} }];
    change(input);
    return input;
  }

  it('accepts the labels as written, in any language', () => {
    // Act
    const parsed = parsePlan(labelled((p) => (p.phases[0].name = 'canario 10 % — ¡cuidado!')));

    // Assess
    expect(parsed.phases[0]?.name).toBe('canario 10 % — ¡cuidado!');
    expect(parsed.freeze.dates).toContainEqual({ date: '2026-01-12', name: 'Día de los Reyes Magos', kind: 'holiday' });
  });

  it.each([
    [
      'a phase name with a line break',
      (p: PlanJson) => (p.phases[0].name = '10%\nSubject: all good'),
      'phases[0].name',
    ],
    ['a phase name of spaces', (p: PlanJson) => (p.phases[0].name = '   '), 'phases[0].name'],
    [
      'an approval role with a line break',
      (p: PlanJson) => (p.phases[2].approval.role = 'tech\nlead'),
      'phases[2].approval.role',
    ],
    ['an approval role of a tab', (p: PlanJson) => (p.phases[2].approval.role = '\t'), 'phases[2].approval.role'],
    [
      'a weekly freeze window name of NULs',
      (p: PlanJson) => (p.freeze.weekly[0].name = '\u0000\u0000'),
      'freeze.weekly[0].name',
    ],
    [
      'a freeze date name with a line break',
      (p: PlanJson) => (p.freeze.dates[0].name = 'Año\nNuevo'),
      'freeze.dates[0].name',
    ],
    ['a readiness check name of spaces', (p: PlanJson) => (p.readiness.http[0].name = '  '), 'readiness.http[0].name'],
    [
      'a smoke test name with a carriage return',
      (p: PlanJson) => (p.smokeTests[0].name = 'answers\r'),
      'smokeTests[0].name',
    ],
    ['an existing alarm name of spaces', (p: PlanJson) => (p.alarms.existing[0].name = ' '), 'alarms.existing[0].name'],
    ['a description with a line break', (p: PlanJson) => (p.description = 'Checkout\nAPI'), 'description'],
    ['a description of spaces', (p: PlanJson) => (p.description = '    '), 'description'],
  ])('refuses %s, naming the field', (_, change, field) => {
    // Act
    const problems = problemsOf(labelled(change));

    // Assess
    expect(problems).toEqual([expect.stringMatching(`^${field.replace(/[.[\]]/g, '\\$&')}: expected `)]);
  });

  it('refuses control characters in a not-blocking alarm name, which no existing alarm can have', () => {
    // Act
    const problems = problemsOf(labelled((p) => (p.readiness.alarms.notBlocking = ['checkout-api-login-failures\n'])));

    // Assess
    expect(problems).toEqual([
      'readiness.alarms.notBlocking[0]: expected text without control characters such as line breaks, tabs or NUL (found U+000A)',
    ]);
  });
});

describe('thresholds that contradict each other', () => {
  it.each([
    [0.05, 0.05],
    [0.1, 0.05],
    [1, 0],
  ])(
    'refuses a sustained error guard at or above %d with the immediate guard above %d: the immediate one always fires first',
    (sustained, immediate) => {
      // Prepare
      const input = planInput({
        health: { errorRate: { rollbackAtOrAbove: sustained, rollbackImmediatelyAbove: immediate } },
      });

      // Act
      const problems = problemsOf(input);

      // Assess
      expect(problems).toEqual([
        `health.errorRate.rollbackAtOrAbove: the sustained guard (${sustained}) must be below health.errorRate.rollbackImmediatelyAbove (${immediate}): it is for error rates too low to roll back at once; at the immediate guard's rate the immediate guard rolls back first, so the sustained guard would never fire`,
      ]);
    },
  );

  it('accepts a sustained error guard below the immediate one, and a latency ceiling above the latency guard', () => {
    // Prepare: the ceiling is what passing needs; the guard fires only when the new version is also worse.
    const input = planInput({
      health: {
        errorRate: { rollbackAtOrAbove: 0.02, rollbackImmediatelyAbove: 0.05 },
        latencyP95: { ceilingMs: 3000, rollbackAboveMs: 2000 },
      },
    });

    // Act
    const parsed = parsePlan(input);

    // Assess
    expect(parsed.health.errorRate.rollbackAtOrAbove).toBe(0.02);
  });

  it('refuses a phase whose last judgement comes before any of its own minutes is old enough to judge', () => {
    // Prepare: a one-minute bake, no extension, minutes judged once a minute old: the wake-up at the end of the
    // bake judges only minutes before the phase began.
    const input = planInput({
      phases: [
        { weight: 10, bake: 'PT1M' },
        { weight: 100, bake: 'PT10M' },
      ],
      health: { datapointDelay: 'PT1M', inconclusive: { maxExtension: 'PT0S' } },
    });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      'phases[0].bake: the phase is last judged PT1M after it starts (bake PT1M + health.inconclusive.maxExtension PT0S, judged every PT1M), no later than health.datapointDelay (PT1M): it never judges a minute of its own, so with health.minRequests 200 it can never pass; make the bake or the extension longer than the delay',
    ]);
  });

  it.each([
    [
      'a two-minute bake',
      { phases: [{ weight: 100, bake: 'PT2M' }], health: { inconclusive: { maxExtension: 'PT0S' } } },
    ],
    ['an extension', { phases: [{ weight: 100, bake: 'PT1M' }], health: { inconclusive: { maxExtension: 'PT5M' } } }],
    [
      'no requests needed in the phase',
      { phases: [{ weight: 100, bake: 'PT1M' }], health: { minRequests: 0, inconclusive: { maxExtension: 'PT0S' } } },
    ],
  ])('accepts a one-minute delay with %s', (_, overrides) => {
    // Act
    const parsed = parsePlan(planInput(overrides as Partial<PlanInput>));

    // Assess
    expect(parsed.phases).toHaveLength(1);
  });

  it('refuses an operator wait that ends before a ten-minute datapoint delay lets the phase see its minutes', () => {
    // Prepare
    const input = planInput({
      phases: [{ weight: 100, bake: 'PT2M' }],
      health: {
        datapointDelay: 'PT10M',
        inconclusive: { maxExtension: 'PT0S', onInconclusive: 'approval', approvalTimeout: 'PT5M' },
      },
    });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^phases\[0\]\.bake: the phase is last judged PT7M after it starts \(bake PT2M \+ health\.inconclusive\.maxExtension PT0S \+ health\.inconclusive\.approvalTimeout PT5M, judged every PT1M\), no later than health\.datapointDelay \(PT10M\)/,
      ),
    ]);
  });
});

describe('durations judged in whole minutes', () => {
  it.each([
    [
      'a bake of five and a half minutes',
      { phases: [{ weight: 100, bake: 'PT5.5M' }] },
      'phases[0].bake: must be a whole number of PT1M, got PT5.5M',
    ],
    [
      'a bake of 90 seconds',
      { phases: [{ weight: 100, bake: 'PT90S' }] },
      'phases[0].bake: must be a whole number of PT1M, got PT90S',
    ],
    [
      'a bake of an hour and a second',
      { phases: [{ weight: 100, bake: 'PT1H0M1S' }] },
      'phases[0].bake: must be a whole number of PT1M, got PT1H0M1S',
    ],
    [
      'an inconclusive extension of 90 seconds',
      { health: { inconclusive: { maxExtension: 'PT90S' } } },
      'health.inconclusive.maxExtension: must be a whole number of PT1M, got PT90S',
    ],
    [
      'an operator wait of five and a half minutes',
      { health: { inconclusive: { onInconclusive: 'approval', approvalTimeout: 'PT5M30S' } } },
      'health.inconclusive.approvalTimeout: must be a whole number of PT1M, got PT5M30S',
    ],
  ])('refuses %s', (_, overrides, problem) => {
    // Act
    const problems = problemsOf(planInput(overrides as Partial<PlanInput>));

    // Assess
    expect(problems).toEqual([problem]);
  });

  it('accepts bakes written in seconds or hours when they are whole minutes', () => {
    // Act
    const parsed = parsePlan(
      planInput({
        phases: [
          { weight: 10, bake: 'PT120S' },
          { weight: 100, bake: 'PT1.5H' },
        ],
      }),
    );

    // Assess
    expect(resolvePhases(parsed).map((p) => p.bakeSeconds)).toEqual([120, 5400]);
  });

  it('reports a bad label, contradictory guards and a fractional bake at once', () => {
    // Prepare
    const input = planInput({
      phases: [
        { weight: 10, bake: 'PT5.5M', name: 'canary\n' },
        { weight: 100, bake: 'PT10M' },
      ],
      health: { errorRate: { rollbackAtOrAbove: 0.1 } },
    });

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'phases[0].name',
      'phases[0].bake',
      'health.errorRate.rollbackAtOrAbove',
    ]);
  });
});

describe('expectedRolloutSeconds and worstCaseHistoryEvents', () => {
  it('a healthy checkout-api rollout takes its three bakes: two hours', () => {
    // Act
    const seconds = expectedRolloutSeconds(CHECKOUT);

    // Assess
    expect(seconds).toBe(2 * 3600);
  });

  it('the checkout-api plan needs a small share of the history budget, counting every wake-up and the holds', () => {
    // Act
    const events = worstCaseHistoryEvents(CHECKOUT);

    // Assess: 30+30 wake-ups (+1) for each 30-minute phase, 60+30 (+1) for the final bake, 6 events each, 120 fixed;
    // the database's waits at their longest, a poll a minute of 10 events: the 2-hour snapshot timeout (+1)
    // and the 4-hour restore timeout (+1), then EndMaintenance after the repoint (one Task state, counted as a poll);
    // the checks after 100 % (a Task state and a Choice: 7); the recovery watch after a rollback (a Wait and a Task
    // state: 7); and the restore mode's two Choice states (4).
    expect(events).toBe(120 + (61 + 61 + 91) * 6 + (121 + 241 + 1) * 10 + 7 + 7 + 4);
    expect(events).toBeLessThan(BUDGET / 3);
  });

  it('counts more events for a longer inconclusive extension', () => {
    // Prepare
    const short = plan({ health: { inconclusive: { maxExtension: 'PT0S' } } });
    const long = plan({ health: { inconclusive: { maxExtension: 'PT1H' } } });

    // Act
    const difference = worstCaseHistoryEvents(long) - worstCaseHistoryEvents(short);

    // Assess: an hour of one-minute wake-ups in each of the two phases.
    expect(difference).toBe(2 * 60 * 6);
  });
});

/** Plan overrides with these phases (as written, possibly wrong). */
