import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../local/clock';
import { SimSecretsManager } from '../../../local/services/secrets';
import { SimSSM } from '../../../local/services/ssm';
import { connect } from '../../../local/transport';
import { SimWorld } from '../../../local/world';
import { failureOf } from '../adapters/fixtures';

const T0 = Date.parse('2026-11-17T09:30:00.000Z');
const MINUTE = 60_000;
const ENV = { region: 'us-east-1', account: '123456789012' };
const CLIENT_CONFIG = {
  region: ENV.region,
  credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' },
  maxAttempts: 1,
};
const TOKEN_A = 'rollout-42-rotate-aaaaaaaaaaaaaaaaaaaa';
const TOKEN_B = 'rollout-43-rotate-bbbbbbbbbbbbbbbbbbbb';

describe('SimSSM through the real SSM client', () => {
  let now: number;
  let ssm: SimSSM;
  let client: SSMClient;

  beforeEach(() => {
    now = T0;
    ssm = new SimSSM(() => now, ENV);
    client = connect(new SSMClient(CLIENT_CONFIG), (operation, input) => ssm.handle(operation, input));
  });

  it('answers GetParameter with the current version', async () => {
    // Prepare
    ssm.putParameter('/orders/db-endpoint', 'orders-db.c0ffee123456.us-east-1.rds.amazonaws.com');

    // Act
    const { Parameter } = await client.send(new GetParameterCommand({ Name: '/orders/db-endpoint' }));

    // Assert
    expect(Parameter).toEqual({
      Name: '/orders/db-endpoint',
      Type: 'String',
      Value: 'orders-db.c0ffee123456.us-east-1.rds.amazonaws.com',
      Version: 1,
      LastModifiedDate: new Date(T0),
      ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/orders/db-endpoint',
      DataType: 'text',
    });
  });

  it('answers ParameterNotFound (the SDK class) for an unknown name', async () => {
    const error = await failureOf(client.send(new GetParameterCommand({ Name: '/nope' })));
    expect(error).toBeInstanceOf(ParameterNotFound);
    expect(error).toBeInstanceOf(SSMServiceException);
    expect(error.name).toBe('ParameterNotFound');
  });

  it('adds a version on each overwrite, and refuses to overwrite without Overwrite: true', async () => {
    // Prepare
    ssm.putParameter('/orders/db-endpoint', 'orders-db');

    // Act
    const refused = await failureOf(
      client.send(new PutParameterCommand({ Name: '/orders/db-endpoint', Value: 'restored-db', Type: 'String' })),
    );
    now += MINUTE;
    const second = await client.send(
      new PutParameterCommand({ Name: '/orders/db-endpoint', Value: 'restored-db', Overwrite: true }),
    );
    const third = await client.send(
      new PutParameterCommand({ Name: '/orders/db-endpoint', Value: 'restored-db-2', Type: 'String', Overwrite: true }),
    );
    const current = await client.send(new GetParameterCommand({ Name: '/orders/db-endpoint' }));
    const first = await client.send(new GetParameterCommand({ Name: '/orders/db-endpoint:1' }));
    const missingVersion = await failureOf(client.send(new GetParameterCommand({ Name: '/orders/db-endpoint:9' })));

    // Assert
    expect(refused).toBeInstanceOf(ParameterAlreadyExists);
    expect(refused.name).toBe('ParameterAlreadyExists');
    expect(second).toMatchObject({ Version: 2, Tier: 'Standard' });
    expect(third.Version).toBe(3);
    expect(current.Parameter).toMatchObject({
      Value: 'restored-db-2',
      Version: 3,
      LastModifiedDate: new Date(T0 + MINUTE),
    });
    expect(first.Parameter).toMatchObject({ Value: 'orders-db', Version: 1 });
    expect(missingVersion).toBeInstanceOf(ParameterVersionNotFound);
    expect(ssm.value('/orders/db-endpoint')).toBe('restored-db-2');
    expect(ssm.history('/orders/db-endpoint')).toEqual(['orders-db', 'restored-db', 'restored-db-2']);
  });

  it('creates a parameter with PutParameter when given a Type, and requires the Type for a new one', async () => {
    // Act
    const untyped = await failureOf(client.send(new PutParameterCommand({ Name: 'feature-flag', Value: 'on' })));
    const created = await client.send(new PutParameterCommand({ Name: 'feature-flag', Value: 'on', Type: 'String' }));
    const byArn = await client.send(
      new GetParameterCommand({ Name: 'arn:aws:ssm:us-east-1:123456789012:parameter/feature-flag' }),
    );

    // Assert
    expect(untyped.name).toBe('ValidationException');
    expect(created.Version).toBe(1);
    expect(byArn.Parameter).toMatchObject({
      Name: 'feature-flag',
      Value: 'on',
      ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/feature-flag',
    });
    expect(ssm.history('feature-flag')).toEqual(['on']);
  });

  it('hides a SecureString value unless WithDecryption is true', async () => {
    // Prepare
    ssm.putParameter('/orders/db-password', 's3cret', 'SecureString');

    // Act
    const encrypted = await client.send(new GetParameterCommand({ Name: '/orders/db-password' }));
    const decrypted = await client.send(new GetParameterCommand({ Name: '/orders/db-password', WithDecryption: true }));

    // Assert
    expect(encrypted.Parameter?.Type).toBe('SecureString');
    expect(encrypted.Parameter?.Value).not.toContain('s3cret');
    expect(decrypted.Parameter?.Value).toBe('s3cret');
  });
});

describe('SimSSM GetParametersByPath through the real SSM client', () => {
  let ssm: SimSSM;
  let client: SSMClient;

  beforeEach(() => {
    ssm = new SimSSM(() => T0, ENV);
    client = connect(new SSMClient(CLIENT_CONFIG), (operation, input) => ssm.handle(operation, input));
    ssm.putParameter('/orders-api/2.4.0/env/DATABASE_URL', 'postgresql://orders-db/orders');
    ssm.putParameter('/orders-api/2.4.0/env/ORDERS_API_TOKEN', 'tok-1', 'SecureString');
    ssm.putParameter('/orders-api/2.4.0/env/nested/LEVEL_TWO', 'deep');
    ssm.putParameter('/orders-api/2.3.1/env/DATABASE_URL', 'old');
  });

  it('answers the parameters one level under the path, sorted, a SecureString as ciphertext', async () => {
    // Act
    const out = await client.send(new GetParametersByPathCommand({ Path: '/orders-api/2.4.0/env' }));

    // Assert
    expect(out.Parameters?.map((p) => [p.Name, p.Type])).toEqual([
      ['/orders-api/2.4.0/env/DATABASE_URL', 'String'],
      ['/orders-api/2.4.0/env/ORDERS_API_TOKEN', 'SecureString'],
    ]);
    expect(out.Parameters?.[1]?.Value).not.toContain('tok-1');
    expect(out.NextToken).toBeUndefined();
  });

  it('answers every level below with Recursive, a page at a time with NextToken', async () => {
    // Act
    const first = await client.send(
      new GetParametersByPathCommand({ Path: '/orders-api/2.4.0/env/', Recursive: true, MaxResults: 2 }),
    );
    const second = await client.send(
      new GetParametersByPathCommand({
        Path: '/orders-api/2.4.0/env/',
        Recursive: true,
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );

    // Assert
    expect(first.Parameters?.map((p) => p.Name)).toEqual([
      '/orders-api/2.4.0/env/DATABASE_URL',
      '/orders-api/2.4.0/env/ORDERS_API_TOKEN',
    ]);
    expect(second.Parameters?.map((p) => p.Name)).toEqual(['/orders-api/2.4.0/env/nested/LEVEL_TWO']);
    expect(second.NextToken).toBeUndefined();
  });

  it('refuses a path that does not start with a slash, and more than 10 results a page', async () => {
    // Act
    const relative = await failureOf(client.send(new GetParametersByPathCommand({ Path: 'orders-api' })));
    const tooMany = await failureOf(
      client.send(new GetParametersByPathCommand({ Path: '/orders-api', MaxResults: 11 })),
    );

    // Assert
    expect(relative).toMatchObject({ name: 'ValidationException' });
    expect(tooMany).toMatchObject({ name: 'ValidationException' });
  });

  it('answers an empty list for a path with nothing under it', async () => {
    const out = await client.send(new GetParametersByPathCommand({ Path: '/orders-api/9.9.9/env' }));
    expect(out.Parameters).toEqual([]);
  });
});

describe('SimSecretsManager through the real Secrets Manager client', () => {
  let now: number;
  let secrets: SimSecretsManager;
  let client: SecretsManagerClient;
  let arn: string;

  beforeEach(() => {
    now = T0;
    secrets = new SimSecretsManager(() => now, ENV);
    client = connect(new SecretsManagerClient(CLIENT_CONFIG), (operation, input) => secrets.handle(operation, input));
    arn = secrets.createSecret('orders/db', '{"host":"orders-db"}');
  });

  it('names secrets with an ARN ending in six deterministic characters', () => {
    // Act
    const again = new SimSecretsManager(() => now, ENV).createSecret('orders/db', 'x');
    const other = secrets.createSecret('billing/db', 'y');

    // Assert
    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:orders\/db-[A-Za-z0-9]{6}$/);
    expect(again).toBe(arn);
    expect(other.slice(-6)).not.toBe(arn.slice(-6));
  });

  it('answers GetSecretValue by name and by ARN with the AWSCURRENT version', async () => {
    // Act
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'orders/db' }));
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: arn }));

    // Assert
    expect(byName).toMatchObject({
      ARN: arn,
      Name: 'orders/db',
      SecretString: '{"host":"orders-db"}',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(T0),
    });
    expect(byName.VersionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(byArn.VersionId).toBe(byName.VersionId);
    expect(secrets.value(arn)).toBe('{"host":"orders-db"}');
  });

  it('answers ResourceNotFoundException (the SDK class) for an unknown secret or stage', async () => {
    // Act
    const secret = await failureOf(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    const stage = await failureOf(
      client.send(new GetSecretValueCommand({ SecretId: 'orders/db', VersionStage: 'AWSPREVIOUS' })),
    );
    const put = await failureOf(client.send(new PutSecretValueCommand({ SecretId: 'nope', SecretString: 'x' })));

    // Assert
    for (const error of [secret, stage, put]) {
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error).toBeInstanceOf(SecretsManagerServiceException);
      expect(error.name).toBe('ResourceNotFoundException');
    }
  });

  it('moves AWSCURRENT to a new value and keeps the old one as AWSPREVIOUS', async () => {
    // Prepare
    const first = await client.send(new GetSecretValueCommand({ SecretId: 'orders/db' }));
    now += MINUTE;

    // Act
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: 'orders/db', SecretString: '{"host":"restored-db"}' }),
    );
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'orders/db' }));
    const previous = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));
    now += MINUTE;
    await client.send(new PutSecretValueCommand({ SecretId: 'orders/db', SecretString: '{"host":"third"}' }));
    const previousAfterThird = await client.send(
      new GetSecretValueCommand({ SecretId: 'orders/db', VersionStage: 'AWSPREVIOUS' }),
    );
    const byVersionId = await client.send(
      new GetSecretValueCommand({ SecretId: 'orders/db', VersionId: first.VersionId }),
    );

    // Assert
    expect(put).toMatchObject({ ARN: arn, Name: 'orders/db', VersionStages: ['AWSCURRENT'] });
    expect(put.VersionId).not.toBe(first.VersionId);
    expect(current).toMatchObject({
      VersionId: put.VersionId,
      SecretString: '{"host":"restored-db"}',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(T0 + MINUTE),
    });
    expect(previous).toMatchObject({
      VersionId: first.VersionId,
      SecretString: '{"host":"orders-db"}',
      VersionStages: ['AWSPREVIOUS'],
      CreatedDate: new Date(T0),
    });
    expect(previousAfterThird.SecretString).toBe('{"host":"restored-db"}');
    expect(byVersionId).toMatchObject({ SecretString: '{"host":"orders-db"}', VersionStages: [] });
    expect(secrets.value('orders/db')).toBe('{"host":"third"}');
    expect(secrets.history('orders/db').map((v) => [v.value, v.stages])).toEqual([
      ['{"host":"orders-db"}', []],
      ['{"host":"restored-db"}', ['AWSPREVIOUS']],
      ['{"host":"third"}', ['AWSCURRENT']],
    ]);
  });

  it('is idempotent per ClientRequestToken: same value, same version; another value, ResourceExistsException', async () => {
    // Act
    const first = await client.send(
      new PutSecretValueCommand({ SecretId: 'orders/db', SecretString: 'v2', ClientRequestToken: TOKEN_A }),
    );
    const repeated = await client.send(
      new PutSecretValueCommand({ SecretId: 'orders/db', SecretString: 'v2', ClientRequestToken: TOKEN_A }),
    );
    const conflicting = await failureOf(
      client.send(
        new PutSecretValueCommand({ SecretId: 'orders/db', SecretString: 'v3', ClientRequestToken: TOKEN_A }),
      ),
    );
    const next = await client.send(
      new PutSecretValueCommand({ SecretId: 'orders/db', SecretString: 'v3', ClientRequestToken: TOKEN_B }),
    );
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'orders/db', VersionStage: 'AWSPREVIOUS' }),
    );

    // Assert
    expect(first.VersionId).toBe(TOKEN_A);
    expect(repeated.VersionId).toBe(TOKEN_A);
    expect(conflicting).toBeInstanceOf(ResourceExistsException);
    expect(conflicting.name).toBe('ResourceExistsException');
    expect(next.VersionId).toBe(TOKEN_B);
    expect(previous).toMatchObject({ VersionId: TOKEN_A, SecretString: 'v2' });
    expect(secrets.history('orders/db')).toHaveLength(3);
  });
});

describe('SimWorld: SSM and Secrets Manager', () => {
  const clock = new VirtualClock();

  afterEach(() => {
    clock.uninstall();
  });

  it('routes the clients to world.ssm and world.secrets, logging calls and injecting faults', async () => {
    // Prepare
    const world = await SimWorld.create(clock, {
      seed: 1,
      requestsPerMinute: 0,
      trafficFrom: new Date(T0),
      metricsDelayMs: MINUTE,
    });
    clock.install(new Date(T0));
    world.ssm.putParameter('/orders/db-endpoint', 'orders-db');
    world.secrets.createSecret('orders/db', 'secret');
    world.addFault({ operation: 'ssm:GetParameter', error: 'ThrottlingException', times: 1 });
    world.addFault({ operation: 'secretsmanager:GetSecretValue', error: 'InternalServiceError', times: 1 });
    const ssm = world.ssmClient();
    const secrets = world.secretsClient();

    // Act
    const ssmThrottled = await failureOf(ssm.send(new GetParameterCommand({ Name: '/orders/db-endpoint' })));
    const parameter = await ssm.send(new GetParameterCommand({ Name: '/orders/db-endpoint' }));
    const secretsFailed = await failureOf(secrets.send(new GetSecretValueCommand({ SecretId: 'orders/db' })));
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: 'orders/db' }));

    // Assert
    expect(ssmThrottled).toBeInstanceOf(SSMServiceException);
    expect(ssmThrottled.name).toBe('ThrottlingException');
    expect(parameter.Parameter?.Value).toBe('orders-db');
    expect(secretsFailed).toBeInstanceOf(SecretsManagerServiceException);
    expect(secretsFailed.name).toBe('InternalServiceError');
    expect(secret.SecretString).toBe('secret');
    expect(world.calls.map((c) => [c.operation, c.error])).toEqual([
      ['ssm:GetParameter', 'ThrottlingException'],
      ['ssm:GetParameter', undefined],
      ['secretsmanager:GetSecretValue', 'InternalServiceError'],
      ['secretsmanager:GetSecretValue', undefined],
    ]);
  });
});
