/**
 * The rollout workflow, in the order of its runbook: prepare (validate, lock, gates, verify and snapshot the data,
 * smoke tests, arm the alarms), the phase loop (shift traffic, approval, bake and judge), the checks after 100 %,
 * roll back and restore, watch the stable version recover, finish. Retry policies, catch lists and the common parameter block are in policies.ts, each written once.
 *
 * To change the workflow: edit this file (or policies.ts), run `npm run asl` to regenerate
 * statemachines/rollout.asl.json, and commit both. The stack and the simulator load the JSON, never this file;
 * test/workflow/asl-builder.test.ts fails while the JSON is stale.
 */
import { RolloutBlocked, RolloutRolledBack } from '../functions/core/errors';
import {
  all,
  choice,
  equals,
  fail,
  machine,
  type Retrier,
  succeed,
  type TaskOptions,
  type TokenTaskOptions,
  task,
  wait,
  waitFor,
  waitForTaskToken,
  when,
} from './asl';
import { onTimeout, REF, SAFETY_RETRY, STEP_RETRY } from './policies';
import type { StepPlaceholder } from './rollout';

type WithDefaultRetry<O> = Omit<O, 'retry'> & { readonly retry?: readonly Retrier[] };

/** A step's Task, retried with STEP_RETRY unless it says otherwise. */
function step<N extends string>(key: StepPlaceholder, options: WithDefaultRetry<TaskOptions<N>>) {
  return task(key, { retry: STEP_RETRY, ...options });
}

/** A step's Task that waits for its task token, retried with STEP_RETRY. */
function stepWaitingForToken<N extends string>(key: StepPlaceholder, options: WithDefaultRetry<TokenTaskOptions<N>>) {
  return waitForTaskToken(key, { retry: STEP_RETRY, ...options });
}

/** The Finish step for an outcome: record it, release the lock, notify. */
function finish<N extends string>(outcome: string, next: N, comment: string) {
  return step('FinishFunctionArn', {
    comment,
    parameters: { ...REF, outcome },
    resultPath: '$.finish',
    next,
  });
}

/** Before anything changes: the input checked, the service locked, the gates asked whether the release may start. */
function admit() {
  return {
    Validate: step('ValidateFunctionArn', {
      comment:
        "Validate the execution input and read the service's plan (its plan parameter, through the service's role). Bad input, or a service with no plan, fails here with InvalidRolloutInput naming every bad field, before anything is written.",
      parameters: {
        'input.$': '$$.Execution.Input',
        'executionArn.$': '$$.Execution.Id',
        'startedAt.$': '$$.Execution.StartTime',
      },
      next: 'AcquireLock',
    }),
    AcquireLock: step('AcquireLockFunctionArn', {
      comment:
        "One rollout per service: take the service's lock (conditional write), list the rollout in the running-rollout index, and create the rollout record with the plan (and its parameter version) frozen into it. A concurrent start fails here with RolloutInProgress.",
      parameters: { ...REF, 'request.$': '$.request', 'plan.$': '$.plan', 'planVersion.$': '$.planVersion' },
      next: 'ReleaseOrRestore',
    }),
    ReleaseOrRestore: choice(
      'A restore after the end (input `restore`) takes the lock and keeps a record like a release, then goes to the restore path; it is the fix, so no freeze window or gate stops it.',
      [when(equals('$.kind', 'restore'), 'PrepareRestore')],
      'CheckGates',
    ),
    CheckGates: step('CheckGatesFunctionArn', {
      comment:
        "Freeze windows (an emergency input overrides them, recorded), a preflight of the target, the database's readiness and the plan's readiness checks. Reads only.",
      parameters: REF,
      resultPath: '$.gate',
      next: 'GatesPassed',
    }),
    GatesPassed: choice(
      'A blocked release ends here, with nothing changed. Unsafe migrations the plan lets through with an approval wait for it first. A plan with a database verifies and snapshots it first.',
      [
        when(equals('$.gate.decision', 'blocked'), 'FinishBlocked'),
        when(equals('$.gate.migrations', 'approval'), 'AwaitMigrationApproval'),
        when(equals('$.gate.database', 'snapshot'), 'VerifyBeforeSnapshot'),
      ],
      'SmokeTest',
    ),
    ...approveMigrations(),
  };
}

/** Unsafe migrations the plan lets through with an approval: asked, then waited for, before anything moves. */
function approveMigrations() {
  return {
    AwaitMigrationApproval: stepWaitingForToken('AwaitApprovalFunctionArn', {
      comment:
        "The release's migrations hold statements unsafe for a rollback: ask for the plan's migrations approval (notify once) and wait for rollout-pilot approve | reject, up to its timeout. Nothing has moved yet.",
      payload: { ...REF, action: 'migration-request' },
      timeoutSecondsPath: '$.gate.approvalTimeoutSeconds',
      resultPath: '$.verdict',
      catch: onTimeout('MigrationApprovalTimedOut'),
      next: 'MigrationApproved',
    }),
    MigrationApprovalTimedOut: step('AwaitApprovalFunctionArn', {
      comment:
        'Nobody answered in time: record it; the release is blocked (an answer that reached the record first stands).',
      parameters: { ...REF, action: 'migration-timed-out' },
      resultPath: '$.verdict',
      next: 'MigrationApproved',
    }),
    MigrationApproved: choice(
      'Approved: go on as the gate would have (verify and snapshot the database first when the plan has one). An abort during the wait: the rollback path (nothing to move back). Rejected or timed out: blocked, nothing moved.',
      [
        when(equals('$.verdict.decision', 'approved'), 'AfterMigrationApproval'),
        when(equals('$.verdict.decision', 'rollback'), 'Rollback'),
      ],
      'FinishBlocked',
    ),
    AfterMigrationApproval: choice(
      'A plan with a database verifies and snapshots it before the smoke tests.',
      [when(equals('$.gate.database', 'snapshot'), 'VerifyBeforeSnapshot')],
      'SmokeTest',
    ),
  };
}

/** A plan with a database: its tables counted and checksummed, then a snapshot taken and awaited. */
function keepDataSafe() {
  return {
    VerifyBeforeSnapshot: step('VerifyDataFunctionArn', {
      comment:
        "Row counts and checksums of the plan's tables from its verification function, before the snapshot (nothing without one).",
      parameters: { ...REF, stage: 'before-snapshot' },
      resultPath: '$.verification',
      next: 'Snapshot',
    }),
    Snapshot: step('SnapshotDatabaseFunctionArn', {
      comment:
        'The database snapshot, named after the execution: the first look asks RDS for it, later looks describe it. A redrive finds the same snapshot, never takes a second. Older rollout snapshots beyond keepSnapshots are deleted once it is available.',
      parameters: REF,
      resultPath: '$.snapshot',
      next: 'SnapshotReady',
    }),
    SnapshotReady: choice(
      'The smoke tests run and traffic moves only once the snapshot is available (or the rollout is already rolling back).',
      [when(equals('$.snapshot.status', 'creating'), 'WaitForSnapshot')],
      'SmokeTest',
    ),
    WaitForSnapshot: wait('No waiting inside a Lambda: look again in a minute.', 60, 'Snapshot'),
  };
}

/** The new version tried at 0 % traffic, then its alarms armed: the last steps before traffic moves. */
function tryNewVersion() {
  return {
    SmokeTest: step('SmokeTestFunctionArn', {
      comment:
        "Smoke tests of the new version at 0 % traffic: invoke functionName:<new version> directly with the plan's payloads (the alias and its users are untouched) or GET its URLs. Any failing test blocks the release, naming every failing test; traffic never moves. Nothing to do without smoke tests.",
      parameters: REF,
      resultPath: '$.smoke',
      next: 'SmokeTestsPassed',
    }),
    SmokeTestsPassed: choice(
      'A failing smoke test ends the rollout blocked, before any alarm is armed or traffic moves.',
      [when(equals('$.smoke.decision', 'blocked'), 'FinishBlocked')],
      'ArmAlarms',
    ),
    ArmAlarms: step('ArmAlarmsFunctionArn', {
      comment:
        "Arm the new version's CloudWatch alarms before any traffic moves: from now on an alarm going into ALARM rolls the release back through EventBridge, whatever the workflow is doing.",
      parameters: REF,
      resultPath: '$.alarms',
      next: 'ShiftTraffic',
    }),
  };
}

/** One turn per phase, first its shift: into the phase, after its approval if it needs one. */
function shiftTraffic() {
  return {
    ShiftTraffic: step('ShiftTrafficFunctionArn', {
      comment:
        'Move traffic to the current phase (the first one that has not passed, read from the record). Weight 100 is the promotion. A phase that needs an approval not given yet moves nothing and says approvalNeeded.',
      parameters: REF,
      resultPath: '$.phase',
      next: 'ApprovalNeeded',
    }),
    ApprovalNeeded: choice(
      "A phase that needs a named approval (the plan's phase approval) waits for it before any traffic moves into it.",
      [when(equals('$.phase.approvalNeeded', true), 'AwaitPhaseApproval')],
      'Bake',
    ),
    AwaitPhaseApproval: stepWaitingForToken('AwaitApprovalFunctionArn', {
      comment:
        "Ask for the phase's approval (notify once) and wait for rollout-pilot approve | reject, up to the approval's timeout. The token is the record's waiting token: an alarm or an abort wakes it with a rollback at once.",
      payload: { ...REF, action: 'request' },
      timeoutSecondsPath: '$.phase.approval.timeoutSeconds',
      resultPath: '$.verdict',
      catch: onTimeout('PhaseApprovalTimedOut'),
      next: 'PhaseApproved',
    }),
    PhaseApprovalTimedOut: step('AwaitApprovalFunctionArn', {
      comment:
        "Nobody answered in time: record it, then roll back or proceed as the approval's onTimeout says (an answer that reached the record first stands).",
      parameters: { ...REF, action: 'timed-out' },
      resultPath: '$.verdict',
      next: 'PhaseApproved',
    }),
    PhaseApproved: choice(
      'Approved (or timed out with onTimeout proceed): shift into the phase. Rejected, timed out, an alarm or an abort: roll back.',
      [
        when(equals('$.verdict.decision', 'approved'), 'ShiftTraffic'),
        when(equals('$.verdict.decision', 'proceed'), 'ShiftTraffic'),
      ],
      'Rollback',
    ),
  };
}

/** Then the phase's bake: woken at each evaluation interval (or by a signal) until it has a verdict to act on. */
function bakeAndJudge() {
  return {
    Bake: stepWaitingForToken('BakeFunctionArn', {
      comment:
        "One wake-up of the bake: judge the phase so far. The step completes this task's token with a verdict (pass, roll back), or leaves the token on the rollout record and lets the evaluation interval run out (States.Timeout wakes the bake again). A signal may complete the token first.",
      payload: { ...REF, 'phase.$': '$.phase' },
      timeoutSecondsPath: '$.phase.intervalSeconds',
      resultPath: '$.verdict',
      catch: onTimeout('Bake'),
      next: 'Judge',
    }),
    Judge: choice(
      'Act on the verdict. Anything unexpected takes the safe path: roll back.',
      [
        when(equals('$.verdict.decision', 'rollback'), 'Rollback'),
        when(all(equals('$.verdict.decision', 'pass'), equals('$.phase.final', true)), 'PostCheck'),
        when(equals('$.verdict.decision', 'pass'), 'ShiftTraffic'),
      ],
      'Rollback',
    ),
  };
}

/** At the end of the last bake, with all traffic on the new version and its alarms armed: the checks again. */
function postCheck() {
  return {
    PostCheck: step('SmokeTestFunctionArn', {
      comment:
        "The checks after 100 % (the runbook's post-check): the plan's HTTP checks, check functions and smoke tests run again against the promoted version, each recorded. A failure records a rollback (trigger post-check) naming every failing check. Nothing to do when the plan runs none (readiness.afterPromotion).",
      parameters: { ...REF, stage: 'after-promotion' },
      resultPath: '$.verdict',
      next: 'PostCheckPassed',
    }),
    PostCheckPassed: choice(
      'Promoted only once the checks pass again; anything else takes the safe path: roll back.',
      [when(equals('$.verdict.decision', 'pass'), 'FinishPromoted')],
      'Rollback',
    ),
  };
}

/** Traffic back on the stable version first; then whether to restore the data: not at all, now, or on approval. */
function rollBack() {
  return {
    Rollback: step('RollbackFunctionArn', {
      comment:
        'All traffic back on the stable version, unless the record says it already is (the alarm handler got there first). Then decide about the data: nothing, restore on approval, or restore now. The safety path, so its retries outlast a longer fault (12 attempts, up to a minute apart).',
      parameters: { ...REF, 'verdict.$': '$.verdict' },
      resultPath: '$.rollback',
      retry: SAFETY_RETRY,
      next: 'RestoreData',
    }),
    RestoreData: choice(
      'Only a release that damaged data, with a snapshot and a plan that allows it, restores.',
      [
        when(equals('$.rollback.restore', 'automatic'), 'RestoreDatabase'),
        when(equals('$.rollback.restore', 'on-approval'), 'AwaitRestoreApproval'),
      ],
      'WatchRecovery',
    ),
    AwaitRestoreApproval: stepWaitingForToken('RestoreDatabaseFunctionArn', {
      comment:
        "Maintenance on (plan database.maintenance), then ask the team and wait for rollout-pilot approve | reject, up to the plan's approvalTimeout. Traffic is already on the stable version; without an answer the data is left as it is and maintenance stays on.",
      payload: { ...REF, action: 'request-approval' },
      timeoutSecondsPath: '$.rollback.approvalTimeoutSeconds',
      resultPath: '$.approval',
      catch: onTimeout('WatchRecovery', '$.approval'),
      next: 'RestoreApproved',
    }),
    RestoreApproved: choice(
      'Declined: the rollout ends with the data as it is.',
      [when(equals('$.approval.decision', 'approved'), 'RestoreDatabase')],
      'WatchRecovery',
    ),
  };
}

/** A restore after the end: a finished rollout's snapshot, checked and decided on, then the restore path. */
function restoreAfterEnd() {
  return {
    PrepareRestore: step('RestoreDatabaseFunctionArn', {
      comment:
        "Find the finished rollout named by the input's restore, check its snapshot is still in RDS (keepSnapshots may have deleted it), and decide as a rollback does: restore on approval or at once (the plan's database.restore). Blocked, nothing changed, when there is nothing to restore.",
      parameters: { ...REF, action: 'prepare' },
      resultPath: '$.rollback',
      next: 'RestoreAfterEnd',
    }),
    RestoreAfterEnd: choice(
      'Join the restore path where a rollback would: the approval, or the restore itself.',
      [
        when(equals('$.rollback.restore', 'automatic'), 'RestoreDatabase'),
        when(equals('$.rollback.restore', 'on-approval'), 'AwaitRestoreApproval'),
      ],
      'FinishBlocked',
    ),
  };
}

/** Only if the plan allows it: the snapshot restored beside the original, verified, and the service pointed at it. */
function restoreData() {
  return {
    RestoreDatabase: step('RestoreDatabaseFunctionArn', {
      comment:
        'Maintenance on first (plan database.maintenance; already on when an approval was asked), then restore the snapshot into a NEW instance or cluster named after the execution (for Aurora, then its writer), one look at a time. The original is never deleted, renamed or modified.',
      parameters: { ...REF, action: 'restore' },
      resultPath: '$.restore',
      next: 'RestoreReady',
    }),
    RestoreReady: choice(
      undefined,
      [when(equals('$.restore.status', 'available'), 'VerifyAfterRestore')],
      'WaitForRestore',
    ),
    WaitForRestore: wait('Look again in a minute.', 60, 'RestoreDatabase'),
    VerifyAfterRestore: step('VerifyDataFunctionArn', {
      comment:
        'Row counts and checksums of the restored database, compared with those before the snapshot (nothing without a verification function).',
      parameters: { ...REF, stage: 'after-restore' },
      resultPath: '$.verification',
      next: 'RepointDatabase',
    }),
    RepointDatabase: step('RestoreDatabaseFunctionArn', {
      comment:
        "Point the service's endpoint parameter or secret at the restored database; the previous value is kept (parameter history, AWSPREVIOUS, the record).",
      parameters: { ...REF, action: 'repoint' },
      resultPath: '$.repoint',
      next: 'EndMaintenance',
    }),
    EndMaintenance: step('RestoreDatabaseFunctionArn', {
      comment:
        "Only now, with the restored database verified and the service repointed: maintenance off (the value it had before is put back, unless someone else changed it since), and the restore's recovery point and time recorded. Maintenance went on before the restore started (before the approval was asked, or at the first look of an automatic restore).",
      parameters: { ...REF, action: 'end-maintenance' },
      resultPath: '$.maintenance',
      next: 'WatchRecovery',
    }),
  };
}

/** Traffic is safe: watch the stable version for the plan's time, then judge once whether it recovered. */
function verifyRecovery() {
  return {
    WatchRecovery: waitFor(
      "Watch the stable version for the plan's recovery.watch (plus the datapoint delay, so the window is complete in CloudWatch); no wait when traffic never moved.",
      '$.rollback.watchSeconds',
      'CheckRecovery',
    ),
    CheckRecovery: step('RollbackFunctionArn', {
      comment:
        "Whether the stable version's error rate and p95 over the watch returned to its baseline before the rollout: recovered, still degraded (the cause is elsewhere), inconclusive (too little traffic) or unknown (CloudWatch could not be read). Recorded once; it never fails the rollback.",
      parameters: { ...REF, action: 'check-recovery' },
      resultPath: '$.recovery',
      next: 'FinishRolledBack',
    }),
  };
}

const OUTCOME_RECORDED = 'Record the outcome, release the lock, notify (once).';

/** Every path ends here: the outcome recorded, the lock released, the team told once; then what pipelines see. */
function conclude() {
  return {
    FinishRolledBack: finish(
      'ROLLED_BACK',
      'RolledBackOrRestored',
      `${OUTCOME_RECORDED} A restore after the end is recorded RESTORED (repointed) or BLOCKED (not approved).`,
    ),
    RolledBackOrRestored: choice(
      'What a restore after the end ended with; a rollout that rolled back fails as ever.',
      [
        when(equals('$.finish.outcome', 'RESTORED'), 'Restored'),
        when(equals('$.finish.outcome', 'BLOCKED'), 'Blocked'),
      ],
      'RolledBack',
    ),
    Restored: succeed('A restore after the end: the service uses the restored database; the original is kept.'),
    RolledBack: fail('Pipelines see a failure, with the reason.', RolloutRolledBack.errorName, '$.finish.message'),
    FinishPromoted: finish('PROMOTED', 'Promoted', OUTCOME_RECORDED),
    Promoted: succeed('The new version serves all traffic and passed its final bake.'),
    FinishBlocked: finish('BLOCKED', 'Blocked', 'Record why the release was blocked, release the lock, notify (once).'),
    Blocked: fail(
      'A gate or a smoke test refused the release; no traffic moved.',
      RolloutBlocked.errorName,
      '$.finish.message',
    ),
  };
}

export const ROLLOUT_DEFINITION = machine({
  Comment:
    'Rollout Pilot: release a new version in phases, judged against the stable one, rolled back automatically. See README.md (The workflow).',
  StartAt: 'Validate',
  States: {
    ...admit(),
    ...keepDataSafe(),
    ...tryNewVersion(),
    ...shiftTraffic(),
    ...bakeAndJudge(),
    ...postCheck(),
    ...rollBack(),
    ...restoreAfterEnd(),
    ...restoreData(),
    ...verifyRecovery(),
    ...conclude(),
  },
});
