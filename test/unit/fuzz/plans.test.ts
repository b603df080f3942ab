import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../bin/cli/simulate';
import { runValidate } from '../../../bin/cli/validate';
import { InvalidPlan } from '../../../functions/core/errors';
import { formatPath } from '../../../functions/core/issues';
import { parsePlan } from '../../../functions/core/plan';
import { PROJECT_ROOT } from '../../../local/simulate';

/**
 * Fuzzing plans: each shipped example plan with one documented rule broken must be refused by `parsePlan` with an
 * `InvalidPlan` naming the field that was broken; the examples with harmless changes must still be accepted.
 *
 * Plans are validated offline: `parsePlan` is pure, and `rollout-pilot validate` reads files and parses them, with
 * no AWS client on the way (the last test runs it on a directory of malformed plans).
 */

const SEED = 20_261_117;
const DIR = join(PROJECT_ROOT, 'examples', 'plans');

// biome-ignore lint/suspicious/noExplicitAny: plans are edited as the JSON people write, at any depth.
type Json = any;
type Path = (string | number)[];

/** The shipped example plans, as written: a Lambda alias, an ALB and a feature-flag target. */
const EXAMPLES: Record<string, Json> = Object.fromEntries(
  readdirSync(DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file, JSON.parse(readFileSync(join(DIR, file), 'utf8'))]),
);
const NAMES = Object.keys(EXAMPLES);
const kindOf = (plan: Json): string => plan.target.type;

/** A malformed plan: which example, what was done to it, and the field (as the error writes it) it broke. */
interface Case {
  example: string;
  kind: string;
  plan: Json;
  field: string;
}

function get(value: Json, path: Path): Json {
  return path.reduce((node, key) => (node === undefined || node === null ? undefined : node[key]), value);
}

/** Set `path` in `value`, creating objects along the way (never arrays: an index must exist). */
function set(value: Json, path: Path, to: unknown): void {
  let node = value;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    node = node[key];
  }
  node[path.at(-1) as string | number] = to;
}

function remove(value: Json, path: Path): void {
  const parent = get(value, path.slice(0, -1));
  const key = path.at(-1) as string | number;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key];
}

/**
 * Whether a mutation of `path` applies to `plan`: its top-level field and every array element on the way exist, and
 * (unless the objects on the way may be created) the field's parent does.
 */
function applies(plan: Json, path: Path, create: boolean): boolean {
  if (get(plan, path.slice(0, 1)) === undefined) return false;
  if (!create && !isObjectOrArray(get(plan, path.slice(0, -1)))) return false;
  return path.every((key, i) => typeof key !== 'number' || get(plan, path.slice(0, i + 1)) !== undefined);
}
const isObjectOrArray = (node: Json) => node !== null && typeof node === 'object';

/** Records whose keys are free (so no key there is unknown) and whose values are anything. */
const FREE = new Set(['dimensions', 'payload']);

/** Every path of the plan to a value of the given kind, outside the free records. */
function paths(value: Json, keep: (node: Json) => boolean, at: Path = []): Path[] {
  if (typeof at.at(-1) === 'string' && FREE.has(at.at(-1) as string)) return [];
  const here = keep(value) ? [at] : [];
  if (value === null || typeof value !== 'object') return here;
  const children = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [...here, ...children.flatMap((key) => paths(value[key], keep, [...at, key]))];
}
const isLeaf = (node: Json) => node === null || typeof node !== 'object';
const isObject = (node: Json) => node !== null && typeof node === 'object' && !Array.isArray(node);

/**
 * A case of `kind` for each example: `make(plan, example)` gives the arbitrary of its mutations (path, how to change
 * the plan) for one example, or null when the mutation does not apply to it.
 */
function mutation(
  kind: string,
  make: (plan: Json) => fc.Arbitrary<{ field: Path | string; change: (plan: Json) => void }> | null,
): fc.Arbitrary<Case> {
  // Each example's arbitrary is built once (building one, e.g. `stringMatching`, costs more than drawing from it).
  const perExample = NAMES.flatMap((example) => {
    const arbitrary = make(EXAMPLES[example]);
    return arbitrary === null
      ? []
      : [
          arbitrary.map(({ field, change }): Case => {
            const plan = structuredClone(EXAMPLES[example]);
            change(plan);
            return { example, kind, plan, field: typeof field === 'string' ? field : formatPath(field) };
          }),
        ];
  });
  return fc.oneof(...perExample);
}

/**
 * One of `candidates` that applies to the plan, set to one of its values; null when none applies. With `create`,
 * the objects on the way to the field are created when the plan leaves them to their defaults.
 */
function setOneOf(plan: Json, candidates: readonly [Path, readonly unknown[]][], create = false) {
  const usable = candidates.filter(([path]) => applies(plan, path, create));
  if (usable.length === 0) return null;
  return fc
    .constantFrom(...usable)
    .chain(([path, values]) => fc.constantFrom(...values).map((to) => ({ path, to })))
    .map(({ path, to }) => ({ field: path, change: (p: Json) => set(p, path, to) }));
}

// ---------------------------------------------------------------------------------------------------------------
// The mutations, one documented rule each

const CONTROL = ['\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028'];
const BLANK = [' ', '\u00a0', '\u2003', '\u200b'];
const visibleLabel = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 %._-]{0,20}$/);
/** Labels every human-label field refuses: empty, blank, control characters only or inside visible text. */
const badLabel = fc.oneof(
  fc.string({ unit: fc.constantFrom(...BLANK), maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(...CONTROL), minLength: 1, maxLength: 8 }),
  fc
    .tuple(visibleLabel, fc.constantFrom(...CONTROL), fc.nat())
    .map(([text, c, at]) => text.slice(0, at % (text.length + 1)) + c + text.slice(at % (text.length + 1))),
);

const wrongType = mutation('wrong type', (plan) =>
  fc.tuple(fc.constantFrom(...paths(plan, isLeaf).filter((p) => p.length > 0)), fc.nat()).map(([path, n]) => {
    const old = get(plan, path);
    const others =
      typeof old === 'string'
        ? [42, true, null, {}, []]
        : typeof old === 'number'
          ? [String(old), true, null, [], {}]
          : ['true', 1, null, []];
    return { field: path, change: (p: Json) => set(p, path, others[n % others.length]) };
  }),
);

const outOfRange = mutation('out-of-range number', (plan) =>
  setOneOf(
    plan,
    [
      [
        ['health', 'alpha'],
        [0, -0.01, 0.21, 1],
      ],
      [
        ['health', 'confidence'],
        [0.49, 1, 1.5],
      ],
      [
        ['health', 'minRequests'],
        [-1, 1.5],
      ],
      [
        ['health', 'minRequestsPerDatapoint'],
        [0, 2.5],
      ],
      [
        ['health', 'errorRate', 'ceiling'],
        [0, 1.01, -0.1],
      ],
      [
        ['health', 'errorRate', 'rollbackImmediatelyAbove'],
        [-0.01, 1.5],
      ],
      [
        ['health', 'errorRate', 'immediateMinErrors'],
        [0, 2.5],
      ],
      [
        ['health', 'errorRate', 'regression', 'ratio'],
        [1, 0.5, 101],
      ],
      [
        ['health', 'errorRate', 'regression', 'points'],
        [-0.1, 1.1],
      ],
      [
        ['health', 'latencyP95', 'ceilingMs'],
        [0, -5],
      ],
      [
        ['health', 'latencyP95', 'rollbackAboveMs'],
        [0, -1],
      ],
      [
        ['health', 'latencyP95', 'regression', 'ratio'],
        [1, 101],
      ],
      [
        ['database', 'keepSnapshots'],
        [0, 101, 1.5],
      ],
      [
        ['readiness', 'http', 0, 'expectStatus'],
        [99, 600, 200.5],
      ],
      [
        ['readiness', 'http', 0, 'retries'],
        [-1, 6, 1.5],
      ],
      kindOf(plan) === 'feature-flag'
        ? [
            ['phases', 1, 'cohort', 'percent'],
            [0, 100, -5, 150],
          ]
        : [
            ['phases', 0, 'weight'],
            [0, -10, 100.5],
          ],
    ],
    true,
  ),
);

const DURATION_KEYS = new Set([
  'bake',
  'evaluationInterval',
  'datapointDelay',
  'sustainedFor',
  'maxExtension',
  'approvalTimeout',
  'timeout',
  'maxBackupAge',
  'snapshotTimeout',
  'restoreTimeout',
]);
/** Durations judged in whole minutes. */
const WHOLE_MINUTES = new Set(['bake', 'evaluationInterval', 'datapointDelay', 'sustainedFor', 'maxExtension']);
const NOT_DURATIONS = [
  'soon',
  '',
  'P',
  'PT',
  '30m',
  '-PT5M',
  'P1M',
  'P1Y',
  'PT5M garbage',
  'PT1H30',
  'xPT5M',
  'PT5M\n',
];

const badDuration = mutation('bad duration', (plan) => {
  const written = paths(plan, (node) => typeof node === 'string').filter((p) => DURATION_KEYS.has(String(p.at(-1))));
  const always: Path[] = [
    ['evaluationInterval'],
    ['health', 'datapointDelay'],
    ['health', 'errorRate', 'sustainedFor'],
    ['health', 'inconclusive', 'maxExtension'],
    ['health', 'inconclusive', 'approvalTimeout'],
  ];
  const all = [...written, ...always.filter((p) => !written.some((w) => formatPath(w) === formatPath(p)))];
  return fc.tuple(fc.constantFrom(...all), fc.nat()).map(([path, n]) => {
    const key = String(path.at(-1));
    const inconclusiveWait = formatPath(path) === 'health.inconclusive.approvalTimeout';
    const values = [
      ...NOT_DURATIONS,
      ...(WHOLE_MINUTES.has(key) || inconclusiveWait ? ['PT5.5M', 'PT90S', 'PT1H0M30S'] : []),
      ...(key === 'maxExtension' || key === 'maxBackupAge' ? [] : ['P400D']),
    ];
    return { field: path, change: (p: Json) => set(p, path, values[n % values.length]) };
  });
});

const fractionalBake = mutation('fractional-minute bake', (plan) =>
  fc
    .tuple(
      fc.nat(plan.phases.length - 1),
      fc.integer({ min: 1, max: 600 }),
      fc.constantFrom('.5M', '.25M', 'M30S', 'M1S'),
    )
    .map(([i, minutes, tail]) => ({
      field: ['phases', i, 'bake'],
      change: (p: Json) => {
        p.phases[i].bake = `PT${minutes}${tail}`;
      },
    })),
);

const weightsNotRising = mutation('weights not rising', (plan) =>
  kindOf(plan) === 'feature-flag'
    ? null
    : fc.integer({ min: 1, max: plan.phases.length - 2 }).map((i) => ({
        field: ['phases', i, 'weight'],
        change: (p: Json) => {
          p.phases[i].weight = p.phases[i - 1].weight;
        },
      })),
);

const lastNotFull = mutation('last phase not 100 (or not "all")', (plan) => {
  const last = plan.phases.length - 1;
  if (kindOf(plan) === 'feature-flag') {
    return fc.constantFrom({ percent: 50 }, { tenants: ['zeta-corp'] }).map((cohort) => ({
      field: ['phases', last, 'cohort'],
      change: (p: Json) => {
        p.phases[last].cohort = cohort;
      },
    }));
  }
  const before = plan.phases[last - 1].weight;
  return fc.double({ min: before + 0.5, max: 99.5, noNaN: true }).map((weight) => ({
    field: ['phases', last, 'weight'],
    change: (p: Json) => {
      p.phases[last].weight = weight;
    },
  }));
});

const cohortsNotWidening = mutation('cohort that does not widen', (plan) =>
  kindOf(plan) !== 'feature-flag'
    ? null
    : fc.constantFrom(
        { field: ['phases', 0, 'cohort'], change: (p: Json) => (p.phases[0].cohort = 'all') },
        {
          field: ['phases', 1, 'cohort', 'tenants'],
          change: (p: Json) => (p.phases[1].cohort.tenants = p.phases[0].cohort.tenants),
        },
        {
          field: ['phases', 0, 'cohort', 'tenants', 0],
          change: (p: Json) => (p.phases[0].cohort.tenants[0] = 'acme logistics'),
        },
      ),
);

const duplicateNames = mutation('duplicate phase names', (plan) =>
  fc.tuple(fc.nat(plan.phases.length - 2), fc.nat(), visibleLabel).map(([i, n, name]) => {
    const j = i + 1 + (n % (plan.phases.length - 1 - i));
    return {
      field: ['phases', j, 'name'],
      change: (p: Json) => {
        p.phases[i].name = name;
        p.phases[j].name = name;
      },
    };
  }),
);

const removedFields = mutation('removed field', (plan) =>
  setOneOf(
    plan,
    [
      [
        ['health', 'errorRate', 'advanceBelow'],
        [0.01, 0],
      ],
      [['health', 'latencyP95', 'advanceBelowMs'], [300]],
      [['health', 'latencyP95', 'maxIncreaseOverStable'], [1.5]],
      [['health', 'latencyP95', 'sustainedFor'], ['PT5M']],
    ],
    true,
  ),
);

const badLabels = mutation('control characters or blank label', (plan) => {
  const labels = [
    ...plan.phases.map((_: unknown, i: number) => ['phases', i, 'name']),
    ...paths(plan, isObject)
      .filter((p) => p.at(-1) === 'approval')
      .map((p) => [...p, 'role']),
    ...(plan.freeze?.weekly ?? []).map((_: unknown, i: number) => ['freeze', 'weekly', i, 'name']),
    ...(plan.freeze?.dates ?? []).map((_: unknown, i: number) => ['freeze', 'dates', i, 'name']),
    ['description'],
    ...(plan.readiness?.http ?? []).map((_: unknown, i: number) => ['readiness', 'http', i, 'name']),
    ...(plan.smokeTests ?? []).map((_: unknown, i: number) => ['smokeTests', i, 'name']),
    ...(plan.alarms?.existing ?? []).map((_: unknown, i: number) => ['alarms', 'existing', i, 'name']),
  ] as Path[];
  return fc
    .tuple(fc.constantFrom(...labels), badLabel)
    .map(([path, text]) => ({ field: path, change: (p: Json) => set(p, path, text) }));
});

const contradictions = mutation('contradictory thresholds', (plan) => {
  const immediate: number = plan.health?.errorRate?.rollbackImmediatelyAbove ?? 0.05;
  const sustained: number | undefined = plan.health?.errorRate?.rollbackAtOrAbove;
  return fc.oneof(
    fc.double({ min: immediate, max: 1, noNaN: true }).map((value) => ({
      field: ['health', 'errorRate', 'rollbackAtOrAbove'],
      change: (p: Json) => set(p, ['health', 'errorRate', 'rollbackAtOrAbove'], value),
    })),
    ...(sustained === undefined
      ? []
      : [
          fc.double({ min: 0, max: sustained, noNaN: true }).map((value) => ({
            field: 'health.errorRate.rollbackImmediatelyAbove',
            change: (p: Json) => set(p, ['health', 'errorRate', 'rollbackImmediatelyAbove'], value),
          })),
        ]),
    // The first phase's last judgement comes before any of its minutes is old enough to be judged.
    fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 1000 })).map(([delay, minRequests]) => ({
      field: ['phases', 0, 'bake'],
      change: (p: Json) => {
        Object.assign(p.phases[0], { bake: `PT${delay}M`, evaluationInterval: `PT${delay}M` });
        set(p, ['health', 'datapointDelay'], `PT${delay}M`);
        set(p, ['health', 'minRequests'], minRequests);
        set(p, ['health', 'inconclusive'], { maxExtension: 'PT0S' });
      },
    })),
  );
});

const unknownFields = mutation('unknown field', (plan) =>
  fc
    .tuple(
      fc.constantFrom(...paths(plan, isObject)),
      fc.oneof(
        fc.stringMatching(/^x[A-Z][a-zA-Z]{0,8}$/),
        fc.constantFrom('bakeTime', 'weigth', 'timezone', 'advanceBellow', 'Name', 'rollbackAbove', 'enabled'),
      ),
      fc.jsonValue(),
    )
    .map(([path, key, value]) => ({ field: [...path, key], change: (p: Json) => set(p, [...path, key], value) })),
);

const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:checkout-api';
const badFormats = mutation('malformed ARN, name, URL, regular expression or enum', (plan) =>
  setOneOf(plan, [
    [['service'], ['Checkout_API', '', '-checkout', 'a'.repeat(64)]],
    [['timeZone'], ['Mars/Olympus', 'UTC+5', '', 'America/Bogotá']],
    [
      ['notifications', 'topicName'],
      ['has space', '', 'x'.repeat(257), 'a/b'],
    ],
    [
      ['target', 'functionName'],
      [LAMBDA_ARN, 'checkout api', '', 'x'.repeat(65)],
    ],
    [
      ['target', 'alias'],
      ['42', 'live alias', ''],
    ],
    [
      ['target', 'listenerRuleArn'],
      [
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-alb/50dc6c495c0c9188/f2f7dc8efc522ab2',
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/net/orders-nlb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
        '',
      ],
    ],
    [
      ['target', 'stableTargetGroupArn'],
      ['orders-api-blue', 'arn:aws:elasticloadbalancing:us-east-1:1234:targetgroup/b/73e2d6bc24d8a067'],
    ],
    [
      ['target', 'canaryTargetGroupArn'],
      ['arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/orders api/2453ed029918f21f'],
    ],
    [
      ['target', 'flag'],
      ['bad flag!', ''],
    ],
    [
      ['target', 'table'],
      ['ab', 'bad table'],
    ],
    [['target', 'metrics', 'latencyUnit'], ['minutes']],
    [
      ['readiness', 'http', 0, 'url'],
      ['http://example.com/healthz', 'not a url', 'https://user:pw@example.com/', 'ftp://example.com'],
    ],
    [
      ['readiness', 'http', 0, 'bodyMatches'],
      ['(', '[a-', '*', ''],
    ],
    [
      ['smokeTests', 0, 'bodyMatches'],
      ['(', '+'],
    ],
    [['smokeTests', 0, 'url'], ['http://orders.example.com/healthz']],
    [
      ['database', 'identifier'],
      ['1db', 'db--x', 'db-', 'a'.repeat(64)],
    ],
    [
      ['database', 'endpoint', 'name'],
      ['has space', ''],
    ],
    [['database', 'verification', 'functionName'], [LAMBDA_ARN]],
    [
      ['database', 'verification', 'tables', 0],
      ['1table', 'a.b.c', ''],
    ],
    [['database', 'restore'], ['sometimes']],
    [
      ['freeze', 'weekly', 0, 'days', 0],
      ['FRIDAY', 'fri'],
    ],
    [
      ['freeze', 'weekly', 0, 'from'],
      ['25:00', '9:00', '14h'],
    ],
    [
      ['freeze', 'dates', 0, 'date'],
      ['2026-13-01', '01/01/2026', '2026-1-1'],
    ],
    [['freeze', 'dates', 0, 'kind'], ['party']],
    [['alarms', 'existing', 0, 'class'], ['critical']],
    [['health', 'inconclusive', 'onInconclusive'], ['ask']],
  ]),
);

/** ARNs that are not ARNs of what the field names: the notifications topic and the database secret. */
const badArns = mutation('malformed topic or secret ARN', (plan) =>
  fc
    .constantFrom(
      {
        field: 'notifications.topicArn',
        to: { topicArn: 'arn:aws:sns:us-east-1:123:topic' },
      },
      { field: 'notifications.topicArn', to: { topicArn: 'arn:aws:sqs:us-east-1:123456789012:queue' } },
      { field: 'notifications.topicArn', to: { topicArn: 'not-an-arn' } },
      { field: 'notifications.topicArn', to: { topicArn: 'arn:aws:sns:us-east-1:123456789012:bad name' } },
      {
        field: 'notifications',
        to: { topicName: 'releases', topicArn: 'arn:aws:sns:us-east-1:123456789012:releases' },
      },
      ...(plan.database
        ? [
            { field: 'database.endpoint.secretId', to: { type: 'secret', secretId: 'bad secret id!' } },
            {
              field: 'database.endpoint.secretId',
              to: { type: 'secret', secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:x' },
            },
          ]
        : []),
    )
    .map(({ field, to }) => ({
      field,
      change: (p: Json) => {
        if (field.startsWith('database')) p.database.endpoint = to;
        else p.notifications = to;
      },
    })),
);

const missingFields = mutation('required field removed', (plan) => {
  const required: Path[] = [
    ['service'],
    ['timeZone'],
    ['target'],
    ['phases'],
    ...plan.phases.map((_: unknown, i: number) => ['phases', i, 'bake']),
    ...(plan.freeze?.weekly ?? []).flatMap((_: unknown, i: number) => [
      ['freeze', 'weekly', i, 'days'],
      ['freeze', 'weekly', i, 'name'],
    ]),
    ...(plan.freeze?.dates ?? []).flatMap((_: unknown, i: number) => [
      ['freeze', 'dates', i, 'date'],
      ['freeze', 'dates', i, 'name'],
    ]),
    ...(plan.alarms?.existing ?? []).map((_: unknown, i: number) => ['alarms', 'existing', i, 'name']),
    ...(plan.readiness?.http ?? []).map((_: unknown, i: number) => ['readiness', 'http', i, 'url']),
    ...(plan.smokeTests ?? []).flatMap((_: unknown, i: number) => [
      ['smokeTests', i, 'name'],
      ['smokeTests', i, 'url'],
    ]),
    ...(plan.database
      ? [
          ['database', 'identifier'],
          ['database', 'endpoint'],
          ['database', 'type'],
        ]
      : []),
    ...((
      {
        'lambda-alias': [
          ['target', 'functionName'],
          ['target', 'alias'],
        ],
        'alb-weighted': [
          ['target', 'listenerRuleArn'],
          ['target', 'stableTargetGroupArn'],
        ],
        'feature-flag': [
          ['target', 'flag'],
          ['target', 'metrics'],
          ['target', 'metrics', 'namespace'],
        ],
      } as Record<string, Path[]>
    )[kindOf(plan)] as Path[]),
  ];
  return fc.constantFrom(...required).map((path) => ({ field: path, change: (p: Json) => remove(p, path) }));
});

const badPhaseLists = mutation('no phases, or too many', (plan) =>
  fc.constantFrom(0, 21).map((count) => ({
    field: ['phases'],
    change: (p: Json) => {
      p.phases = Array.from({ length: count }, (_, i) => ({ ...plan.phases.at(-1), name: `phase ${i}` }));
    },
  })),
);

const MUTATIONS = {
  wrongType,
  outOfRange,
  badDuration,
  fractionalBake,
  weightsNotRising,
  lastNotFull,
  cohortsNotWidening,
  duplicateNames,
  removedFields,
  badLabels,
  contradictions,
  unknownFields,
  badFormats,
  badArns,
  missingFields,
  badPhaseLists,
};
const malformed: fc.Arbitrary<Case> = fc.oneof(...Object.values(MUTATIONS));

/** The problem lines of `error` that name `field`: at it, inside it, or (a cross-field rule) in their text. */
function naming(problems: readonly string[], field: string): string[] {
  return problems.filter((problem) => {
    const at = problem.slice(0, problem.indexOf(': '));
    return at === field || at.startsWith(`${field}.`) || at.startsWith(`${field}[`) || problem.includes(` ${field} `);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Harmless changes

const WORDS = ['Checkout', 'API', 'release', 'canario', 'fase', '—', 'final', 'bake', '🚀', 'tenants', '%'];
const text = (max: number) =>
  fc
    .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 })
    .map((words) => words.join(' '))
    .filter((t) => t.length <= max);

const CHANGES = fc.record(
  {
    description: text(500),
    phaseNames: fc.uniqueArray(text(40), { minLength: 3, maxLength: 3 }),
    service: fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/),
    timeZone: fc.constantFrom('UTC', 'Europe/Madrid', 'Asia/Tokyo', 'America/New_York'),
    minRequests: fc.integer({ min: 1, max: 1000 }),
    alpha: fc.double({ min: 0.001, max: 0.2, noNaN: true }),
    sustained: fc.double({ min: 0, max: 0.049, noNaN: true }),
    bakesInSeconds: fc.constant(true),
    freezeDay: fc.tuple(fc.integer({ min: 1, max: 28 }), text(100)),
    dropSchema: fc.constant(true),
  },
  { requiredKeys: [] },
);

/** An example plan with any of the changes above, none of which breaks a rule. */
const harmless = fc.tuple(fc.constantFrom(...NAMES), CHANGES).map(([example, changes]) => {
  const plan = structuredClone(EXAMPLES[example]);
  if (changes.description !== undefined) plan.description = changes.description;
  for (const [i, name] of (changes.phaseNames ?? []).entries()) plan.phases[i].name = name;
  if (changes.service !== undefined) plan.service = changes.service;
  if (changes.timeZone !== undefined) plan.timeZone = changes.timeZone;
  if (changes.minRequests !== undefined) set(plan, ['health', 'minRequests'], changes.minRequests);
  if (changes.alpha !== undefined) set(plan, ['health', 'alpha'], changes.alpha);
  if (changes.sustained !== undefined) {
    set(plan, ['health', 'errorRate', 'rollbackAtOrAbove'], changes.sustained);
    set(plan, ['health', 'errorRate', 'rollbackImmediatelyAbove'], 0.05);
  }
  // The same bakes in seconds: still whole minutes.
  if (changes.bakesInSeconds) {
    for (const phase of plan.phases) phase.bake = `PT${parseDurationMinutes(phase.bake) * 60}S`;
  }
  if (changes.freezeDay) {
    const [day, name] = changes.freezeDay;
    plan.freeze.dates.push({ date: `2028-02-${String(day).padStart(2, '0')}`, name });
  }
  if (changes.dropSchema) delete plan.$schema;
  return { example, plan, changes };
});

/** Whole minutes of the examples' bakes (`PT30M`, `PT24H`, `P7D`). */
function parseDurationMinutes(iso: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!match) throw new Error(`unexpected example bake ${iso}`);
  return Number(match[1] ?? 0) * 1440 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

describe('fuzzing plans', () => {
  it('refuses 1,000 example plans with one rule broken, each with InvalidPlan naming the broken field', () => {
    // Prepare
    const tried = new Map<string, number>();

    // Act
    fc.assert(
      fc.property(malformed, ({ example, kind, plan, field }) => {
        tried.set(kind, (tried.get(kind) ?? 0) + 1);
        let error: unknown;
        try {
          parsePlan(plan, `fuzz/${example}`);
        } catch (thrown) {
          error = thrown;
        }

        // Assess
        expect(
          error,
          `${kind} of ${field} accepted: ${JSON.stringify(get(plan, []), null, 0).slice(0, 400)}`,
        ).toBeInstanceOf(InvalidPlan);
        const { problems, message } = error as InvalidPlan;
        expect(naming(problems, field), `${kind}: expected ${field} to be named in ${message}`).not.toEqual([]);
        expect(message.startsWith(`fuzz/${example}: `)).toBe(true);
      }),
      { numRuns: 1000, seed: SEED },
    );

    // Assess: every kind of mutation was tried
    expect([...tried.keys()].sort()).toEqual(
      [
        'wrong type',
        'out-of-range number',
        'bad duration',
        'fractional-minute bake',
        'weights not rising',
        'last phase not 100 (or not "all")',
        'cohort that does not widen',
        'duplicate phase names',
        'removed field',
        'control characters or blank label',
        'contradictory thresholds',
        'unknown field',
        'malformed ARN, name, URL, regular expression or enum',
        'malformed topic or secret ARN',
        'required field removed',
        'no phases, or too many',
      ].sort(),
    );
  });

  it('accepts the example plans with harmless changes (so that the property above can fail)', () => {
    fc.assert(
      fc.property(harmless, ({ example, plan, changes }) => {
        // Act
        const parsed = parsePlan(plan, `fuzz/${example}`);

        // Assess
        expect(parsed.service).toBe(changes.service ?? EXAMPLES[example].service);
        expect(parsed.phases.map((p) => p.name)).toEqual(plan.phases.map((p: Json) => p.name));
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('rollout-pilot validate names every malformed file and its field, offline', () => {
    // Prepare: a few malformed plans, one per file
    const dir = mkdtempSync(join(tmpdir(), 'rollout-pilot-fuzz-'));
    const cases = fc.sample(malformed, { numRuns: 8, seed: SEED });
    const files = cases.map(({ plan }, i) => {
      const file = join(dir, `case-${String(i).padStart(2, '0')}.json`);
      writeFileSync(file, JSON.stringify(plan));
      return file;
    });
    const written: string[] = [];

    // Act
    let error: unknown;
    try {
      runValidate([dir], (line) => written.push(line));
    } catch (thrown) {
      error = thrown;
    }

    // Assess
    expect(error).toBeInstanceOf(UsageError);
    const lines = (error as UsageError).message.split('\n');
    expect(lines).toHaveLength(cases.length);
    cases.forEach(({ field, kind }, i) => {
      const line = lines[i] as string;
      expect(line.startsWith(`${files[i]}: `), line).toBe(true);
      const problems = line.slice(line.indexOf(': ', files[i]?.length) + 2).replace(/^\d+ problems?: /, '');
      expect(naming(problems.split('; '), field), `${kind}: ${line}`).not.toEqual([]);
    });
    expect(written).toEqual([]);
  });
});
