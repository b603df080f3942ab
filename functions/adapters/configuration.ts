import { GetFunctionConfigurationCommand, type LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import {
  type ConfigurationPolicy,
  type ConfigurationSource,
  parameterPathFor,
  type Variable,
} from '../core/configuration';
import type { Target } from '../core/target';
import { aws } from './aws';

export type { ConfigurationSource } from '../core/configuration';

/**
 * The new Lambda version's environment: `GetFunctionConfiguration` with the version as `Qualifier` (a published
 * version's configuration is immutable), `Environment.Variables`. Nothing here logs or returns a value anywhere
 * but to the configuration check, which reads it only to tell a reference from a literal.
 */
export class LambdaConfigurationSource implements ConfigurationSource {
  readonly description: string;

  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
    private readonly version: string,
  ) {
    this.description = `${functionName}:${version}`;
  }

  async variables(): Promise<Map<string, Variable> | null> {
    try {
      const out = await aws(
        'lambda:GetFunctionConfiguration',
        () =>
          this.lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: this.functionName, Qualifier: this.version }),
          ),
        this.description,
      );
      const variables = out.Environment?.Variables ?? {};
      return new Map(Object.entries(variables).map(([name, value]) => [name, { value: value ?? '' }]));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return null;
      throw error;
    }
  }
}

/**
 * The environment an ALB target's new version is deployed with, as parameters under a path of Parameter Store:
 * `GetParametersByPath`, one level (not recursive), without decryption (a `SecureString` is recognised by its
 * type; its value is not needed), every page. The variable's name is the parameter name's last segment.
 */
export class SsmConfigurationSource implements ConfigurationSource {
  constructor(
    private readonly ssm: SSMClient,
    readonly description: string,
  ) {}

  async variables(): Promise<Map<string, Variable>> {
    const variables = new Map<string, Variable>();
    let token: string | undefined;
    do {
      const out = await aws(
        'ssm:GetParametersByPath',
        () =>
          this.ssm.send(
            new GetParametersByPathCommand({
              Path: this.description,
              Recursive: false,
              WithDecryption: false,
              MaxResults: 10,
              ...(token ? { NextToken: token } : {}),
            }),
          ),
        this.description,
      );
      for (const parameter of out.Parameters ?? []) {
        const name = parameter.Name?.split('/').at(-1);
        if (name) variables.set(name, { value: parameter.Value ?? '', secure: parameter.Type === 'SecureString' });
      }
      token = out.NextToken;
    } while (token);
    return variables;
  }
}

/**
 * Where a target's new version keeps its environment: the Lambda version itself, or an ALB plan's parameter path
 * with `{version}` filled in. Null for a feature flag (the plan refuses the setting there).
 */
export function configurationSourceFor(
  target: Target,
  policy: ConfigurationPolicy,
  version: string,
  clients: { lambda: () => LambdaClient; ssm: () => SSMClient },
): ConfigurationSource | null {
  switch (target.type) {
    case 'lambda-alias':
      return new LambdaConfigurationSource(clients.lambda(), target.functionName, version);
    case 'alb-weighted':
      return policy.parameterPath
        ? new SsmConfigurationSource(clients.ssm(), parameterPathFor(policy.parameterPath, version))
        : null;
    case 'feature-flag':
      return null;
  }
}
