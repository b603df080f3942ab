import * as secretsSdk from '@aws-sdk/client-secrets-manager';
import { awsError } from '../transport';

interface SecretVersion {
  id: string;
  value: string;
  stages: string[];
  createdAt: number;
}

interface Secret {
  name: string;
  arn: string;
  createdAt: number;
  /** Oldest first. */
  versions: SecretVersion[];
}

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** FNV-1a (32 bit). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The six characters Secrets Manager appends to a secret's name in its ARN: random-looking, deterministic here. */
function arnSuffix(name: string): string {
  let hash = fnv1a(`secret:${name}`);
  let suffix = '';
  for (let i = 0; i < 6; i++) {
    suffix += SUFFIX_ALPHABET[hash % SUFFIX_ALPHABET.length];
    hash = Math.imul(hash ^ (hash >>> 13), 0x5bd1e995) >>> 0;
  }
  return suffix;
}

/** A UUID-shaped, deterministic version id. */
function versionUuid(seed: string): string {
  const hex = [0, 1, 2, 3].map((i) => fnv1a(`${i}:${seed}`).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Secrets Manager, as far as release tooling needs it: `GetSecretValue` (by name or ARN, by stage or version id)
 * and `PutSecretValue` (AWSCURRENT moves to the new version, the old one becomes AWSPREVIOUS; idempotent per
 * `ClientRequestToken`), on the virtual clock.
 */
export class SimSecretsManager {
  private readonly secrets = new Map<string, Secret>();
  private counter = 0;
  /** The account a resource (`function:<name>`…, the ARN's tail) is in, when not this service's own (another account's service). */
  accountOf: (resource: string) => string | undefined = () => undefined;

  constructor(
    private readonly now: () => number,
    private readonly env: { region: string; account: string },
  ) {}

  /** Setup: a secret whose AWSCURRENT version holds `secretString`. Returns its ARN. */
  createSecret(name: string, secretString: string): string {
    if (this.secrets.has(name)) throw new Error(`SimSecretsManager: secret ${name} already exists`);
    const resource = `secret:${name}-${arnSuffix(name)}`;
    const arn = `arn:aws:secretsmanager:${this.env.region}:${this.accountOf(resource) ?? this.env.account}:${resource}`;
    const at = this.now();
    this.secrets.set(name, {
      name,
      arn,
      createdAt: at,
      versions: [{ id: this.newVersionId(name), value: secretString, stages: ['AWSCURRENT'], createdAt: at }],
    });
    return arn;
  }

  /** The AWSCURRENT value, or undefined. */
  value(nameOrArn: string): string | undefined {
    return this.find(nameOrArn)?.versions.find((v) => v.stages.includes('AWSCURRENT'))?.value;
  }

  /** Every version, oldest first, with its staging labels. */
  history(nameOrArn: string): { versionId: string; value: string; stages: string[] }[] {
    return (this.find(nameOrArn)?.versions ?? []).map((v) => ({
      versionId: v.id,
      value: v.value,
      stages: [...v.stages],
    }));
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'GetSecretValue':
        return this.getSecretValue(input);
      case 'PutSecretValue':
        return this.putSecretValue(input);
      default:
        throw fault('UnknownOperationException', `${operation} is not simulated by the local Secrets Manager`);
    }
  }

  private getSecretValue(input: Record<string, unknown>): Record<string, unknown> {
    const secret = this.secret(input.SecretId);
    const versionId = input.VersionId as string | undefined;
    const stage = input.VersionStage as string | undefined;
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      version = secret.versions.find((v) => v.id === versionId);
      if (version && stage !== undefined && !version.stages.includes(stage)) {
        throw fault(
          'InvalidRequestException',
          `You provided a VersionStage that is not associated to the provided VersionId.`,
        );
      }
    } else {
      const wanted = stage ?? 'AWSCURRENT';
      version = secret.versions.find((v) => v.stages.includes(wanted));
    }
    if (!version) {
      throw fault(
        'ResourceNotFoundException',
        versionId !== undefined
          ? `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`
          : `Secrets Manager can't find the specified secret value for staging label: ${stage ?? 'AWSCURRENT'}`,
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: new Date(version.createdAt),
    };
  }

  private putSecretValue(input: Record<string, unknown>): Record<string, unknown> {
    const secret = this.secret(input.SecretId);
    if (input.SecretString === undefined && input.SecretBinary === undefined) {
      throw fault('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
    }
    if (input.SecretBinary !== undefined) {
      throw fault('InvalidRequestException', 'SecretBinary is not simulated; use SecretString.');
    }
    const value = String(input.SecretString);
    const token = input.ClientRequestToken as string | undefined;
    if (token !== undefined && (token.length < 32 || token.length > 64)) {
      throw fault(
        'ValidationException',
        `1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64`,
      );
    }
    if (token !== undefined) {
      const existing = secret.versions.find((v) => v.id === token);
      if (existing) {
        if (existing.value !== value) {
          throw fault(
            'ResourceExistsException',
            `You can't modify an existing version, you can only create a new version. VersionId: ${token}`,
          );
        }
        return { ARN: secret.arn, Name: secret.name, VersionId: existing.id, VersionStages: [...existing.stages] };
      }
    }
    const stages = Array.isArray(input.VersionStages) ? input.VersionStages.map(String) : ['AWSCURRENT'];
    const version: SecretVersion = {
      id: token ?? this.newVersionId(secret.name),
      value,
      stages: [],
      createdAt: this.now(),
    };
    const previousCurrent = secret.versions.find((v) => v.stages.includes('AWSCURRENT'));
    for (const stage of stages) {
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== stage);
      version.stages.push(stage);
    }
    if (stages.includes('AWSCURRENT') && previousCurrent) {
      for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
      previousCurrent.stages.push('AWSPREVIOUS');
    }
    secret.versions.push(version);
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  private secret(secretId: unknown): Secret {
    const id = String(secretId ?? '');
    const secret = this.find(id);
    if (!secret) throw fault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** By name, full ARN, or partial ARN (without the six-character suffix). */
  private find(nameOrArn: string): Secret | undefined {
    const byName = this.secrets.get(nameOrArn);
    if (byName) return byName;
    for (const secret of this.secrets.values()) {
      if (secret.arn === nameOrArn || secret.arn.slice(0, -7) === nameOrArn) return secret;
    }
    return undefined;
  }

  private newVersionId(name: string): string {
    this.counter++;
    return versionUuid(`${name}:${this.counter}`);
  }
}

function fault(name: string, message: string): Error {
  return awsError(secretsSdk, 'SecretsManagerServiceException', name, message);
}
