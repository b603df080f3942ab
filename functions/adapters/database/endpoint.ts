import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { type EndpointSource, formatEndpointValue } from '../../core/database';
import { aws } from '../aws';
import type { Endpoint } from './gateway';

/**
 * Where the service reads its database endpoint: an SSM parameter or a Secrets Manager secret. A restore
 * repoints it to the restored database; the previous value stays in the parameter's history or as the secret's
 * `AWSPREVIOUS` version, and on the rollout record.
 */
export interface EndpointStore {
  /** A readable name for reports: `ssm:/checkout-api/db-endpoint`. */
  readonly source: string;
  /**
   * Point the service at `endpoint`. `original` is the database it pointed at before (the value to report as
   * previous when a retry finds the repoint already done). Idempotent.
   */
  repoint(
    endpoint: Endpoint,
    original: Endpoint | null,
    requestToken: string,
  ): Promise<{ previous: string; value: string }>;
}

export interface EndpointClients {
  ssm(): SSMClient;
  secrets(): SecretsManagerClient;
}

export function endpointStoreFor(source: EndpointSource, clients: EndpointClients): EndpointStore {
  return source.type === 'ssm-parameter'
    ? new SsmParameterEndpoint(clients.ssm(), source.name)
    : new SecretEndpoint(clients.secrets(), source.secretId, source.hostKey, source.portKey);
}

/** The endpoint in an SSM parameter: `host`, or `host:port` (the form it had is kept). */
export class SsmParameterEndpoint implements EndpointStore {
  readonly source: string;
  constructor(
    private readonly ssm: SSMClient,
    private readonly name: string,
  ) {
    this.source = `ssm:${name}`;
  }

  async repoint(endpoint: Endpoint, original: Endpoint | null) {
    const current = await aws(
      'ssm:GetParameter',
      () => this.ssm.send(new GetParameterCommand({ Name: this.name, WithDecryption: true })),
      this.name,
    );
    const previous = current.Parameter?.Value ?? '';
    const value = formatEndpointValue(previous, endpoint);
    if (previous === value) {
      // Done before (a retry): report what the service used before, the original database.
      return { previous: original ? formatEndpointValue(previous, original) : previous, value };
    }
    await aws(
      'ssm:PutParameter',
      () =>
        this.ssm.send(
          new PutParameterCommand({
            Name: this.name,
            Value: value,
            Type: current.Parameter?.Type,
            Overwrite: true,
          }),
        ),
      this.name,
    );
    return { previous, value };
  }
}

/** The endpoint in a secret's JSON (`host` and `port` by default, as RDS-managed secrets have them). */
export class SecretEndpoint implements EndpointStore {
  readonly source: string;
  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly secretId: string,
    private readonly hostKey: string,
    private readonly portKey: string,
  ) {
    this.source = `secret:${secretId}`;
  }

  async repoint(endpoint: Endpoint, original: Endpoint | null, requestToken: string) {
    const current = await aws(
      'secretsmanager:GetSecretValue',
      () => this.secrets.send(new GetSecretValueCommand({ SecretId: this.secretId })),
      this.secretId,
    );
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(current.SecretString ?? '') as Record<string, unknown>;
    } catch {
      throw new Error(`secret ${this.secretId} does not hold JSON; cannot repoint its ${this.hostKey}`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new Error(`secret ${this.secretId} does not hold a JSON object; cannot repoint its ${this.hostKey}`);
    }
    const previousHost = String(json[this.hostKey] ?? '');
    const previous = `${previousHost}:${json[this.portKey] ?? ''}`;
    const value = `${endpoint.address}:${endpoint.port}`;
    if (previousHost === endpoint.address && Number(json[this.portKey]) === endpoint.port) {
      return { previous: original ? `${original.address}:${original.port}` : previous, value };
    }
    // Keep the port's JSON type: an application may read `"5432"` as a string.
    const port = typeof json[this.portKey] === 'string' ? String(endpoint.port) : endpoint.port;
    const next = { ...json, [this.hostKey]: endpoint.address, [this.portKey]: port };
    await aws(
      'secretsmanager:PutSecretValue',
      () =>
        this.secrets.send(
          new PutSecretValueCommand({
            SecretId: this.secretId,
            SecretString: JSON.stringify(next),
            ClientRequestToken: requestToken,
          }),
        ),
      this.secretId,
    );
    return { previous, value };
  }
}
