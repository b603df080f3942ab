import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { flattenCfnReference } from '../../../lib/nag';
import { actionsOf, iamStatements, logicalId, resourcesOf, type Statement, type SynthesizedService } from '../fixtures';

// What the tests of test/cdk/service/ share; each file mirrors a builder of lib/service/.

/** An ARN of the service stack's own account and Region, as cdk-nag and these tests flatten it. */
export const arnHere = (service: string, resource: string) =>
  `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:${resource}`;

/** A statement, flattened: its actions, resources and condition. */
export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
  readonly condition?: unknown;
}

/** Whether an IAM resource pattern (`*` any run, `?` one character) matches an ARN. */
export function iamMatches(pattern: string, arn: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(arn);
}

/** The statements of the service role, flattened, in the policy's order. */
export function grantsOf(of: SynthesizedService): Grant[] {
  return roleStatements(of).map((s) => ({
    actions: actionsOf(s),
    resources: resourcesOf(s).map(flattenCfnReference),
    ...(s.Condition ? { condition: s.Condition } : {}),
  }));
}

/** The raw statements of the service role's policies. */
export function roleStatements(of: SynthesizedService): Statement[] {
  const roleId = logicalId(of.stack.service.role);
  return iamStatements(of.template)
    .filter((s) => s.roles.includes(roleId))
    .map((s) => s.statement);
}

/** Every resource the service role is granted `action` on, flattened, sorted. */
export function resourcesGranted(action: string, of: SynthesizedService): string[] {
  return [...new Set(grantsOf(of).flatMap((g) => (g.actions.includes(action) ? g.resources : [])))].sort();
}

/** The acknowledgements on a construct, by finding id. */
export function acknowledgedOn(construct: IConstruct): Map<string, string> {
  return new Map(
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => [
          id.replace(/^annotation::/i, ''),
          reason,
        ]),
      ),
  );
}
