import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';
import { groupPlans, plansNamed, servicesOf } from '../plan-groups';

/** A function the `lambda-alias` plans release, with the services that release it. */
export interface LambdaAliasTarget {
  readonly name: string;
  /** The function's ARN, unqualified. */
  readonly arn: string;
  /** `<arn>:*`: its aliases and versions. */
  readonly qualified: string;
  readonly services: readonly string[];
  /** The services whose plans have `invoke` smoke tests of this function's new version. */
  readonly smoked: readonly string[];
}

/** The target functions of the `lambda-alias` plans, one per function (plans may share one). */
export function lambdaAliasTargets(plans: readonly Plan[], stack: Stack): LambdaAliasTarget[] {
  const byFunction = groupPlans(plans, (p) => (p.target.type === 'lambda-alias' ? p.target.functionName : undefined));
  return [...byFunction].map(([name, of]) => {
    const arn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    return {
      name,
      arn,
      qualified: `${arn}:*`,
      services: servicesOf(of),
      smoked: servicesOf(of.filter((p) => p.smokeTests.some((t) => t.type === 'invoke'))),
    };
  });
}

/**
 * `actions` on each target function and its qualified ARN (`:*`, its aliases and versions; an acknowledged
 * wildcard, since the version being released is only known at run time). Nothing without a `lambda-alias` plan.
 */
export function grantLambdaAliasTarget(role: iam.IRole, plans: readonly Plan[], actions: readonly string[]): void {
  const targets = lambdaAliasTargets(plans, Stack.of(role));
  if (!actions.length || !targets.length) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...actions], resources: targets.flatMap((t) => [t.arn, t.qualified]) }),
  );
  for (const target of targets) {
    acknowledge(
      role,
      wildcardResourceFinding(role, target.qualified),
      `${actions.join(', ')} on the aliases and versions of ${target.name}, the function released by ${plansNamed(target.services)}: ` +
        'the qualified ARN (:*) names its alias and the version being released, which is only known at run time; nothing outside that one function.',
    );
  }
}

/**
 * `lambda:InvokeFunction` on the versions (`<fn>:*`) of the target functions of the plans with `invoke` smoke
 * tests (only `lambda-alias` plans may have them); nothing when no plan has any.
 */
export function grantSmokeTests(role: iam.IRole, plans: readonly Plan[]): void {
  const smoked = lambdaAliasTargets(plans, Stack.of(role)).filter((t) => t.smoked.length > 0);
  if (smoked.length) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: smoked.map((t) => t.qualified) }),
    );
  }
  for (const target of smoked) {
    acknowledge(
      role,
      wildcardResourceFinding(role, target.qualified),
      `lambda:InvokeFunction on the versions of ${target.name}, the function released by ${plansNamed(target.smoked)}, for its smoke tests: ` +
        'the qualified ARN (:*) names the version being released, which is only known at run time; nothing outside that one function.',
    );
  }
}
