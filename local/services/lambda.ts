import * as lambdaSdk from '@aws-sdk/client-lambda';
import { awsError } from '../transport';

/** A simulated function: its published versions and aliases. */
interface SimFunction {
  versions: Set<string>;
  /** Each version's environment variables (`Environment.Variables`); a version without any has none. */
  environments: Map<string, Record<string, string>>;
  aliases: Map<string, { FunctionVersion: string; weights: Record<string, number> }>;
}

/**
 * A function's code: answers an event (a thrown error is a function error). It may say how long it ran in
 * `report.durationMs` (Lambda's `Duration`, in the `REPORT` line of the log tail); 1 ms otherwise.
 */
export type Invokable = (event: unknown, qualifier: string | undefined, report: { durationMs?: number }) => unknown;

/** Traffic split of an alias: fraction (0..1) per version. */
export type Split = Record<string, number>;

/**
 * Lambda, as far as releases need it: aliases with weighted routing (`GetAlias`, `UpdateAlias` with the
 * service's validation rules) and published versions (`GetFunctionConfiguration`).
 */
export class SimLambda {
  private readonly functions = new Map<string, SimFunction>();
  private readonly listeners: ((functionName: string, alias: string) => void)[] = [];
  private readonly changed: ((functionName: string, alias: string, split: Split) => void)[] = [];
  private readonly invokables = new Map<string, Invokable>();
  private invocationCount = 0;
  /** The account a resource (`function:<name>`…, the ARN's tail) is in, when not this service's own (another account's service). */
  accountOf: (resource: string) => string | undefined = () => undefined;

  constructor(
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** Create a function with published versions (and their environment variables) and an alias on `aliasVersion`. */
  addFunction(
    name: string,
    versions: string[],
    alias: string,
    aliasVersion: string,
    environments: Record<string, Record<string, string>> = {},
  ): void {
    this.functions.set(name, {
      versions: new Set(versions),
      environments: new Map(Object.entries(environments)),
      aliases: new Map([[alias, { FunctionVersion: aliasVersion, weights: {} }]]),
    });
  }

  /**
   * A function that can be invoked (`Invoke`, `RequestResponse`): the team's own functions a plan names, such as
   * its verification function. A thrown error is answered as Lambda does: `FunctionError: 'Unhandled'` and the
   * error in the payload. A function released by a plan may be invokable too (its versions answer the smoke tests):
   * `run` gets the `Qualifier`, which must name one of its published versions.
   */
  addInvokable(name: string, run: Invokable): void {
    this.invokables.set(name, run);
  }

  /** Be told before an alias's routing changes (the traffic model catches up with the old routing first). */
  beforeRoutingChange(listener: (functionName: string, alias: string) => void): void {
    this.listeners.push(listener);
  }

  /** Be told after an alias's routing changed, with the new split. */
  afterRoutingChange(listener: (functionName: string, alias: string, split: Split) => void): void {
    this.changed.push(listener);
  }

  /** The alias's split as fractions per version. */
  split(functionName: string, alias: string): Split {
    const a = this.functions.get(functionName)?.aliases.get(alias);
    if (!a) return {};
    const extra = Object.values(a.weights).reduce((s, w) => s + w, 0);
    return { ...a.weights, [a.FunctionVersion]: (a.weights[a.FunctionVersion] ?? 0) + 1 - extra };
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'GetAlias':
        return this.getAlias(String(input.FunctionName), String(input.Name));
      case 'UpdateAlias':
        return this.updateAlias(input);
      case 'GetFunctionConfiguration':
        return this.getFunctionConfiguration(String(input.FunctionName), input.Qualifier as string | undefined);
      case 'Invoke':
        return this.invoke(
          String(input.FunctionName),
          input.Payload as Uint8Array | undefined,
          input.Qualifier as string | undefined,
          input.LogType === 'Tail',
        );
      default:
        throw awsError(
          lambdaSdk,
          'LambdaServiceException',
          'InvalidRequestContentException',
          `${operation} is not simulated`,
        );
    }
  }

  private fn(nameOrArn: string): [string, SimFunction] {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? nameOrArn) : nameOrArn;
    const fn = this.functions.get(name);
    if (!fn) {
      throw awsError(
        lambdaSdk,
        'LambdaServiceException',
        'ResourceNotFoundException',
        `Function not found: ${this.arn(name)}`,
      );
    }
    return [name, fn];
  }

  private getAlias(functionName: string, alias: string): Record<string, unknown> {
    const [name, fn] = this.fn(functionName);
    const a = fn.aliases.get(alias);
    if (!a) {
      throw awsError(
        lambdaSdk,
        'LambdaServiceException',
        'ResourceNotFoundException',
        `Alias not found: ${this.arn(name)}:${alias}`,
      );
    }
    return {
      AliasArn: `${this.arn(name)}:${alias}`,
      Name: alias,
      FunctionVersion: a.FunctionVersion,
      ...(Object.keys(a.weights).length ? { RoutingConfig: { AdditionalVersionWeights: { ...a.weights } } } : {}),
      RevisionId: 'simulated',
    };
  }

  private updateAlias(input: Record<string, unknown>): Record<string, unknown> {
    const [name, fn] = this.fn(String(input.FunctionName));
    const aliasName = String(input.Name);
    const current = fn.aliases.get(aliasName);
    if (!current) {
      throw awsError(
        lambdaSdk,
        'LambdaServiceException',
        'ResourceNotFoundException',
        `Alias not found: ${this.arn(name)}:${aliasName}`,
      );
    }
    const version = (input.FunctionVersion as string | undefined) ?? current.FunctionVersion;
    const routing = input.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined;
    const weights = routing ? { ...(routing.AdditionalVersionWeights ?? {}) } : current.weights;
    const invalid = (message: string) =>
      awsError(lambdaSdk, 'LambdaServiceException', 'InvalidParameterValueException', message);
    if (!fn.versions.has(version)) throw invalid(`Version ${version} of ${name} does not exist`);
    const extra = Object.entries(weights);
    if (extra.length > 1) throw invalid('RoutingConfig supports only one additional version');
    for (const [v, w] of extra) {
      if (!fn.versions.has(v)) throw invalid(`Version ${v} of ${name} does not exist`);
      if (v === version) throw invalid('The primary and the additional version must be different');
      if (!(w >= 0 && w <= 1)) throw invalid(`Weight ${w} must be between 0.0 and 1.0`);
    }
    for (const listener of this.listeners) listener(name, aliasName);
    fn.aliases.set(aliasName, { FunctionVersion: version, weights });
    const split = this.split(name, aliasName);
    for (const listener of this.changed) listener(name, aliasName, split);
    return this.getAlias(name, aliasName);
  }

  private getFunctionConfiguration(functionName: string, qualifier: string | undefined): Record<string, unknown> {
    const [name, fn] = this.fn(functionName);
    const version = qualifier ?? '$LATEST';
    if (version !== '$LATEST' && !fn.versions.has(version)) {
      throw awsError(
        lambdaSdk,
        'LambdaServiceException',
        'ResourceNotFoundException',
        `Function not found: ${this.arn(name)}:${version}`,
      );
    }
    const variables = fn.environments.get(version);
    return {
      FunctionName: name,
      FunctionArn: `${this.arn(name)}:${version}`,
      Version: version,
      State: 'Active',
      // Lambda leaves `Environment` out of the answer for a version without variables.
      ...(variables && Object.keys(variables).length ? { Environment: { Variables: { ...variables } } } : {}),
    };
  }

  private invoke(
    functionName: string,
    payload: Uint8Array | undefined,
    qualifier: string | undefined,
    tail = false,
  ): Record<string, unknown> {
    const name = functionName.startsWith('arn:') ? (functionName.split(':')[6] ?? functionName) : functionName;
    const run = this.invokables.get(name);
    const versions = this.functions.get(name)?.versions;
    const missingVersion = qualifier !== undefined && qualifier !== '$LATEST' && versions && !versions.has(qualifier);
    if (!run || missingVersion) {
      throw awsError(
        lambdaSdk,
        'LambdaServiceException',
        'ResourceNotFoundException',
        `Function not found: ${this.arn(name)}${qualifier ? `:${qualifier}` : ''}`,
      );
    }
    const executed = qualifier ?? '$LATEST';
    const event = payload?.length ? (JSON.parse(new TextDecoder().decode(payload)) as unknown) : null;
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const report: { durationMs?: number } = {};
    const log = () => (tail ? { LogResult: this.logTail(executed, report.durationMs ?? 1) } : {});
    try {
      const answer = run(event, qualifier, report);
      return { StatusCode: 200, ExecutedVersion: executed, Payload: encode(answer ?? null), ...log() };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return {
        StatusCode: 200,
        ExecutedVersion: executed,
        FunctionError: 'Unhandled',
        Payload: encode({ errorType: e.name, errorMessage: e.message, trace: [] }),
        ...log(),
      };
    }
  }

  /** The last 4 KB of an invocation's log, base64, as `LogType: Tail` returns it: its START, END and REPORT lines. */
  private logTail(version: string, durationMs: number): string {
    this.invocationCount++;
    const id = `00000000-0000-4000-8000-${String(this.invocationCount).padStart(12, '0')}`;
    const billed = Math.ceil(durationMs);
    const text =
      `START RequestId: ${id} Version: ${version}\n` +
      `END RequestId: ${id}\n` +
      `REPORT RequestId: ${id}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billed} ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n`;
    return Buffer.from(text.slice(-4096), 'utf8').toString('base64');
  }

  private arn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountOf(`function:${name}`) ?? this.account}:function:${name}`;
  }
}
