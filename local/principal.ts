import { functionRolePath } from '../functions/core/service-access';
import { currentInvocation } from './invocation';
import { type RolePrincipal, roleArn, rolePrincipal } from './services/iam';

/**
 * Who a simulated client calls as: `invocation`, the execution role of the function running the call (none
 * outside an invocation: the simulator's bookkeeping or a test); a fixed role session; or a session found when the
 * call is made (a service role assumed on first use and again before its credentials expire).
 */
export type ClientPrincipal = 'invocation' | RolePrincipal | (() => Promise<RolePrincipal | undefined>);

/** A function's execution role, under the orchestrator's function role path; Lambda names the session after it. */
export function functionPrincipal(
  where: { account: string; orchestrator: string },
  functionName: string,
): RolePrincipal {
  const name = `${where.orchestrator}-${functionName}`;
  const path = functionRolePath(where.orchestrator);
  return rolePrincipal({ account: where.account, arn: roleArn(where.account, path, name), name }, name);
}

/** The principal of one call. */
export async function resolvePrincipal(
  principal: ClientPrincipal,
  where: { account: string; orchestrator: string },
): Promise<RolePrincipal | undefined> {
  if (principal === 'invocation') {
    const invocation = currentInvocation();
    return invocation ? functionPrincipal(where, invocation.functionName) : undefined;
  }
  return typeof principal === 'function' ? principal() : principal;
}
