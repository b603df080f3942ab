import * as ssmSdk from '@aws-sdk/client-ssm';
import { awsError } from '../transport';

type ParameterType = 'String' | 'StringList' | 'SecureString';

interface Version {
  value: string;
  type: ParameterType;
  at: number;
}

const TYPES: readonly string[] = ['String', 'StringList', 'SecureString'];

/**
 * SSM Parameter Store, as far as release tooling needs it: `GetParameter` (with `name:version` selectors),
 * `GetParametersByPath` (one level or recursive, pages of at most 10) and `PutParameter` (versions, `Overwrite`),
 * on the virtual clock.
 */
export class SimSSM {
  private readonly parameters = new Map<string, Version[]>();
  /** The account a resource (`function:<name>`…, the ARN's tail) is in, when not this service's own (another account's service). */
  accountOf: (resource: string) => string | undefined = () => undefined;

  constructor(
    private readonly now: () => number,
    private readonly env: { region: string; account: string } = { region: 'us-east-1', account: '123456789012' },
  ) {}

  /**
   * Setup: create the parameter, or add a version to it, now or at `at` (ms; setup before the clock runs).
   * Returns the new version number.
   */
  putParameter(name: string, value: string, type: ParameterType = 'String', at?: number): number {
    const versions = this.parameters.get(name) ?? [];
    versions.push({ value, type, at: at ?? this.now() });
    this.parameters.set(name, versions);
    return versions.length;
  }

  /** The current value, or undefined. */
  value(name: string): string | undefined {
    return this.parameters.get(name)?.at(-1)?.value;
  }

  /** Every version's value, oldest first (version n is at index n - 1). */
  history(name: string): string[] {
    return (this.parameters.get(name) ?? []).map((v) => v.value);
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'GetParameter':
        return this.getParameter(input);
      case 'PutParameter':
        return this.put(input);
      case 'GetParametersByPath':
        return this.getByPath(input);
      default:
        throw fault('UnknownOperationException', `${operation} is not simulated by the local SSM`);
    }
  }

  private getParameter(input: Record<string, unknown>): Record<string, unknown> {
    const requested = String(input.Name ?? '');
    const [candidate, selector] = splitSelector(requested.startsWith('arn:') ? fromArn(requested) : requested);
    // In an ARN, `parameter/x` names either `/x` or `x`.
    const name =
      requested.startsWith('arn:') && !this.parameters.has(candidate) ? candidate.replace(/^\//, '') : candidate;
    const versions = this.parameters.get(name);
    if (!versions) throw fault('ParameterNotFound', `Parameter ${requested} not found.`);
    let index = versions.length - 1;
    if (selector !== undefined) {
      if (!/^\d+$/.test(selector)) {
        throw fault('ParameterNotFound', `Parameter ${requested} not found (version labels are not simulated).`);
      }
      index = Number(selector) - 1;
      if (index < 0 || index >= versions.length) {
        throw fault('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}.`);
      }
    }
    const version = versions[index] as Version;
    const decrypt = input.WithDecryption === true;
    return {
      Parameter: {
        Name: name,
        Type: version.type,
        Value: version.type === 'SecureString' && !decrypt ? ciphertext(version.value) : version.value,
        Version: index + 1,
        ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
        LastModifiedDate: new Date(version.at),
        ARN: this.arn(name),
        DataType: 'text',
      },
    };
  }

  /**
   * The parameters under a hierarchy, sorted by name: one level (`Recursive` false, the default) or all below;
   * `MaxResults` 1-10 (default 10) and a `NextToken` while more remain. A `SecureString` without
   * `WithDecryption` answers its ciphertext, as `GetParameter` does.
   */
  private getByPath(input: Record<string, unknown>): Record<string, unknown> {
    const path = String(input.Path ?? '');
    if (!path.startsWith('/') || path.length > 2048) {
      throw fault(
        'ValidationException',
        `The parameter path ${path} is not valid: hierarchies start with a forward slash (/).`,
      );
    }
    const max = input.MaxResults === undefined ? 10 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw fault(
        'ValidationException',
        `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10`,
      );
    }
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = [...this.parameters.keys()]
      .filter((n) => n.startsWith(prefix) && (input.Recursive === true || !n.slice(prefix.length).includes('/')))
      .sort();
    const start = input.NextToken === undefined ? 0 : Number(Buffer.from(String(input.NextToken), 'base64').toString());
    if (!Number.isInteger(start) || start < 0) throw fault('ValidationException', 'The NextToken is not valid.');
    const page = names.slice(start, start + max).map((name) => {
      const versions = this.parameters.get(name) as Version[];
      const version = versions.at(-1) as Version;
      const decrypt = input.WithDecryption === true;
      return {
        Name: name,
        Type: version.type,
        Value: version.type === 'SecureString' && !decrypt ? ciphertext(version.value) : version.value,
        Version: versions.length,
        LastModifiedDate: new Date(version.at),
        ARN: this.arn(name),
        DataType: 'text',
      };
    });
    const next = start + max < names.length ? Buffer.from(String(start + max)).toString('base64') : undefined;
    return { Parameters: page, ...(next ? { NextToken: next } : {}) };
  }

  private put(input: Record<string, unknown>): Record<string, unknown> {
    const name = String(input.Name ?? '');
    if (input.Value === undefined || input.Value === null) {
      throw fault('ValidationException', '1 validation error detected: Value must not be null');
    }
    const value = String(input.Value);
    validateName(name);
    const type = input.Type as string | undefined;
    if (type !== undefined && !TYPES.includes(type)) {
      throw fault('UnsupportedParameterType', `Parameter type ${type} is not supported.`);
    }
    const versions = this.parameters.get(name);
    if (versions) {
      if (input.Overwrite !== true) {
        throw fault(
          'ParameterAlreadyExists',
          'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
        );
      }
      if (input.Tags !== undefined) {
        throw fault('ValidationException', "Invalid request: tags and overwrite can't be used together.");
      }
    } else if (type === undefined) {
      throw fault('ValidationException', 'A parameter type is required when you create a parameter.');
    }
    const current = versions?.at(-1)?.type;
    return {
      Version: this.putParameter(name, value, (type ?? current ?? 'String') as ParameterType),
      Tier: 'Standard',
    };
  }

  private arn(name: string): string {
    const resource = `parameter${name.startsWith('/') ? '' : '/'}${name}`;
    return `arn:aws:ssm:${this.env.region}:${this.accountOf(resource) ?? this.env.account}:${resource}`;
  }
}

function fault(name: string, message: string): Error {
  return awsError(ssmSdk, 'SSMServiceException', name, message);
}

/** `arn:aws:ssm:r:a:parameter/x/y` to `/x/y`. */
function fromArn(arn: string): string {
  const match = /^arn:[^:]+:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(arn);
  return match ? (match[1] as string) : arn;
}

function splitSelector(name: string): [string, string | undefined] {
  const colon = name.lastIndexOf(':');
  return colon === -1 ? [name, undefined] : [name.slice(0, colon), name.slice(colon + 1)];
}

function validateName(name: string): void {
  if (name.length === 0 || name.length > 2048) {
    throw fault('ValidationException', `Parameter name must be between 1 and 2048 characters: ${name}`);
  }
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name)) {
    throw fault(
      'ValidationException',
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
    );
  }
  if (/^\/?(aws|ssm)/i.test(name)) {
    throw fault('ValidationException', 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  }
}

/** What GetParameter answers for a SecureString without WithDecryption: the encrypted blob, base64. */
function ciphertext(value: string): string {
  return Buffer.from(`sim-kms-encrypted:${value}`, 'utf8').toString('base64');
}
