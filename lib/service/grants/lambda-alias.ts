import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Plan } from '../../../functions/core/plan';
import { acknowledge, wildcardResourceFinding } from '../../nag';

/** The ARNs of a `lambda-alias` plan's function: unqualified, the planned alias, and any qualifier (`:*`). */
export interface LambdaAliasArns {
  readonly name: string;
  readonly alias: string;
  readonly arn: string;
  readonly aliasArn: string;
  readonly qualified: string;
}

/** The target function of a `lambda-alias` plan, in the stack's account and Region; undefined for other targets. */
export function lambdaAliasArns(plan: Plan, stack: Stack): LambdaAliasArns | undefined {
  if (plan.target.type !== 'lambda-alias') return undefined;
  const { functionName: name, alias } = plan.target;
  const arn = stack.formatArn({
    service: 'lambda',
    resource: 'function',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  return { name, alias, arn, aliasArn: `${arn}:${alias}`, qualified: `${arn}:*` };
}

/**
 * `lambda:GetAlias` and `lambda:UpdateAlias` on the planned function, unqualified and qualified with the planned
 * alias: the Service Authorization Reference gives the alias calls the `function` resource type only (the
 * unqualified ARN; the alias is the request's `Name`, not part of the ARN), so IAM cannot tell one alias of the
 * function from another — the grant names the alias as well so that it still holds if Lambda authorizes the alias
 * ARN. Which alias moves is the router's code (it only ever names the plan's). `lambda:GetFunctionConfiguration`
 * (read only) on its versions (`<fn>:*`): the gate reads the version being released, only known at run time (its
 * state in the preflight, its environment variables' names for `readiness.configuration`).
 * Nothing for other targets.
 */
export function grantLambdaAliasTarget(role: iam.IRole, plan: Plan): void {
  const target = lambdaAliasArns(plan, Stack.of(role));
  if (!target) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['lambda:GetAlias', 'lambda:UpdateAlias'],
      resources: [target.arn, target.aliasArn],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:GetFunctionConfiguration'], resources: [target.qualified] }),
  );
  acknowledge(
    role,
    wildcardResourceFinding(role, target.qualified),
    `lambda:GetFunctionConfiguration (read only) on the versions of ${target.name}, the function ${plan.service} ` +
      'releases: the version being released is only known at run time.' +
      (smoked(plan)
        ? ' lambda:InvokeFunction on them too, for the smoke tests and synthetic requests of the new version.'
        : ''),
  );
}

/** The plan invokes the new version directly: `invoke` smoke tests, or synthetic invocations. */
function smoked(plan: Plan): boolean {
  return plan.smokeTests.some((t) => t.type === 'invoke') || plan.synthetic?.request.type === 'invoke';
}

/**
 * `lambda:InvokeFunction` on the versions (`<fn>:*`) of the target function when the plan has `invoke` smoke tests
 * or synthetic invocations (only `lambda-alias` plans may have them): both invoke the new version directly.
 */
export function grantSmokeTests(role: iam.IRole, plan: Plan): void {
  const target = lambdaAliasArns(plan, Stack.of(role));
  if (!target || !smoked(plan)) return;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.qualified] }),
  );
}
