import type { Template } from 'aws-cdk-lib/assertions';
import { EVENT_FUNCTIONS, type EventFunctionName } from '../../../functions/catalog';
import { flattenCfnReference } from '../../../lib/nag';
import type { RolloutPilotStack } from '../../../lib/rollout-stack';
import { STEP_PLACEHOLDERS, type StepName } from '../../../statemachines/rollout';
import { actionsOf, iamStatements, logicalId, resourcesOf, type Statement, type SynthesizedStack } from '../fixtures';

// What the tests of test/cdk/orchestrator/ share; each file mirrors a builder of lib/orchestrator/.

export const STEPS = Object.values(STEP_PLACEHOLDERS) as StepName[];
/** Every function of the deployment: the steps, then the event functions. */
export const FUNCTIONS: readonly (StepName | EventFunctionName)[] = [...STEPS, ...EVENT_FUNCTIONS];
export const ONE_MONTH_DAYS = 30;
export const ONE_HOUR_SECONDS = 3600;

/** The roles of the default orchestrator's services, as these tests flatten it. */
export const SERVICE_ROLES = 'arn:<AWS::Partition>:iam::*:role/rollout-pilot/rollout-pilot/*';

/** The helpers over a synthesized stack; `current()` is the file's stack, the default of every `of`. */
export function orchestratorHelpers(current: () => SynthesizedStack) {
  /** A step or event function, read from the construct. */
  const functionOf = (name: StepName | EventFunctionName, of: RolloutPilotStack = current().stack) =>
    (EVENT_FUNCTIONS as readonly string[]).includes(name)
      ? of.orchestrator.eventFunctions[name as EventFunctionName]
      : of.orchestrator.functions[name as StepName];
  /** A function's log group, read from the construct. */
  const logGroupOf = (name: StepName | EventFunctionName, of: RolloutPilotStack = current().stack) =>
    (EVENT_FUNCTIONS as readonly string[]).includes(name)
      ? of.orchestrator.eventLogGroups[name as EventFunctionName]
      : of.orchestrator.logGroups[name as StepName];
  /** The roles' logical ids, by function, read from the construct (never hard-coded). */
  const roleOf = (name: StepName | EventFunctionName, of: RolloutPilotStack = current().stack): string => {
    const role = functionOf(name, of).role;
    if (!role) throw new Error(`function ${name} has no role`);
    return logicalId(role);
  };
  const statementsOfRole = (roleId: string, of: Template = current().template): Statement[] =>
    iamStatements(of)
      .filter((s) => s.roles.includes(roleId))
      .map((s) => s.statement);
  /** The functions (steps, then event functions) whose role grants `action`. */
  const functionsGranted = (action: string, of: SynthesizedStack = current()) =>
    FUNCTIONS.filter((name) =>
      statementsOfRole(roleOf(name, of.stack), of.template).some((s) => actionsOf(s).includes(action)),
    );
  /** Every resource any role is granted `action` on, flattened and de-duplicated, sorted. */
  const resourcesGranted = (action: string, of: Template = current().template): string[] =>
    [
      ...new Set(
        iamStatements(of)
          .filter(({ statement }) => actionsOf(statement).includes(action))
          .flatMap(({ statement }) => resourcesOf(statement).map(flattenCfnReference)),
      ),
    ].sort();
  return { functionOf, logGroupOf, roleOf, statementsOfRole, functionsGranted, resourcesGranted };
}
