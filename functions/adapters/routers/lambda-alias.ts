import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ResourceNotFoundException,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import type { Weights } from '../../core/record';
import { aws } from '../aws';
import { roundPercent, type TrafficRouter, type TrafficState } from './router';

/**
 * Weighted routing on a Lambda alias. Shifting keeps the alias on the stable version and routes a share to the
 * new one (`RoutingConfig.AdditionalVersionWeights`); promoting points the alias at the new version and clears
 * the routing; reverting points it back at the stable version and clears the routing.
 */
export class LambdaAliasRouter implements TrafficRouter {
  readonly description: string;

  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
    private readonly alias: string,
  ) {
    this.description = `alias ${alias} of ${functionName}`;
  }

  async current(): Promise<TrafficState> {
    const out = await aws(
      'lambda:GetAlias',
      () => this.lambda.send(new GetAliasCommand({ FunctionName: this.functionName, Name: this.alias })),
      `${this.functionName}:${this.alias}`,
    );
    const primary = String(out.FunctionVersion);
    const extra = out.RoutingConfig?.AdditionalVersionWeights ?? {};
    const weights: Weights = {};
    let others = 0;
    for (const [version, weight] of Object.entries(extra)) {
      weights[version] = roundPercent(weight * 100);
      others += weights[version];
    }
    weights[primary] = roundPercent(100 - others);
    return { primary, weights };
  }

  async preflight(version: string): Promise<string[]> {
    const problems: string[] = [];
    try {
      const fn = await aws(
        'lambda:GetFunctionConfiguration',
        () =>
          this.lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: this.functionName, Qualifier: version }),
          ),
        `${this.functionName}:${version}`,
      );
      if (fn.State && fn.State !== 'Active') {
        problems.push(`version ${version} of ${this.functionName} is ${fn.State}, not Active`);
      }
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      problems.push(`version ${version} of ${this.functionName} does not exist; publish it first`);
    }
    try {
      const state = await this.current();
      if (state.primary === version) {
        problems.push(`${this.description} already serves version ${version}`);
      }
      const foreign = Object.keys(state.weights).filter((v) => v !== state.primary && (state.weights[v] ?? 0) > 0);
      if (foreign.length) {
        problems.push(
          `${this.description} already routes traffic to version ${foreign.join(', ')} besides ${state.primary}; finish or revert that release first`,
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      problems.push(`${this.description} does not exist`);
    }
    return problems;
  }

  async shift(stable: string, canary: string, percent: number): Promise<Weights> {
    if (!(percent > 0 && percent < 100)) throw new RangeError(`shift takes a share between 0 and 100, got ${percent}`);
    const share = Math.round(percent * 100) / 10_000;
    await this.update(stable, { [canary]: share });
    return { [stable]: roundPercent(100 - percent), [canary]: roundPercent(percent) };
  }

  async promote(stable: string, canary: string): Promise<Weights> {
    await this.update(canary, {});
    return { [stable]: 0, [canary]: 100 };
  }

  async revert(stable: string, canary: string): Promise<Weights> {
    await this.update(stable, {});
    return { [stable]: 100, [canary]: 0 };
  }

  private async update(primary: string, additional: Record<string, number>): Promise<void> {
    await aws(
      'lambda:UpdateAlias',
      () =>
        this.lambda.send(
          new UpdateAliasCommand({
            FunctionName: this.functionName,
            Name: this.alias,
            FunctionVersion: primary,
            RoutingConfig: { AdditionalVersionWeights: additional },
          }),
        ),
      `${this.functionName}:${this.alias}`,
    );
  }
}
