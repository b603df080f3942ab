import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  endpointStoreFor,
  SecretEndpoint,
  SsmParameterEndpoint,
} from '../../../../functions/adapters/database/endpoint';
import { rejectionOf } from '../fixtures';

const PARAMETER = '/checkout-api/db-endpoint';
const SECRET_ID = 'checkout-api/db';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_ID}-AbCdEf`;
const OLD_HOST = 'checkout-db.c9akciq32.us-east-1.rds.amazonaws.com';
const NEW_HOST = 'checkout-db-restored-9a8b7c6d.c9akciq32.us-east-1.rds.amazonaws.com';
const ORIGINAL = { address: OLD_HOST, port: 5432 };
const RESTORED = { address: NEW_HOST, port: 5432 };
const TOKEN = 'rollout-pilot-checkout-api-42-3f9c-repoint-0001';
const metadata = { httpStatusCode: 400, requestId: '7a6b5c4d-0000-4000-8000-000000000000', attempts: 1 };

describe('endpointStoreFor', () => {
  const clients = {
    ssm: () => new SSMClient({ region: 'us-east-1' }),
    secrets: () => new SecretsManagerClient({ region: 'us-east-1' }),
  };

  it('gives an SSM parameter store, named by its parameter', () => {
    // Act
    const store = endpointStoreFor({ type: 'ssm-parameter', name: PARAMETER }, clients);

    // Assess
    expect(store).toBeInstanceOf(SsmParameterEndpoint);
    expect(store.source).toBe('ssm:/checkout-api/db-endpoint');
  });

  it('gives a secret store, named by its secret', () => {
    // Act
    const store = endpointStoreFor({ type: 'secret', secretId: SECRET_ID, hostKey: 'host', portKey: 'port' }, clients);

    // Assess
    expect(store).toBeInstanceOf(SecretEndpoint);
    expect(store.source).toBe('secret:checkout-api/db');
  });
});

describe('SsmParameterEndpoint', () => {
  const ssm = mockClient(SSMClient);
  const store = new SsmParameterEndpoint(new SSMClient({ region: 'us-east-1' }), PARAMETER);

  /** A GetParameter response as SSM returns it. */
  const parameter = (Value: string, Type: 'String' | 'SecureString' = 'String') => ({
    Parameter: {
      Name: PARAMETER,
      Type,
      Value,
      Version: 3,
      ARN: `arn:aws:ssm:us-east-1:123456789012:parameter${PARAMETER}`,
      DataType: 'text',
    },
  });

  const puts = () => ssm.commandCalls(PutParameterCommand).map((call) => call.args[0].input);

  beforeEach(() => {
    ssm.reset();
  });

  afterAll(() => {
    ssm.restore();
  });

  it('reads the parameter decrypted and overwrites it, same type, keeping the host:port form', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`${OLD_HOST}:5432`, 'SecureString'));
    ssm.on(PutParameterCommand).resolves({ Version: 4, Tier: 'Standard' });

    // Act
    const result = await store.repoint({ address: NEW_HOST, port: 6543 }, ORIGINAL);

    // Assess
    expect(result).toEqual({ previous: `${OLD_HOST}:5432`, value: `${NEW_HOST}:6543` });
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([
      { Name: PARAMETER, WithDecryption: true },
    ]);
    expect(puts()).toEqual([{ Name: PARAMETER, Value: `${NEW_HOST}:6543`, Type: 'SecureString', Overwrite: true }]);
  });

  it('writes a plain host when the parameter held a plain host', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(OLD_HOST));
    ssm.on(PutParameterCommand).resolves({ Version: 4, Tier: 'Standard' });

    // Act
    const result = await store.repoint(RESTORED, ORIGINAL);

    // Assess
    expect(result).toEqual({ previous: OLD_HOST, value: NEW_HOST });
    expect(puts()).toEqual([{ Name: PARAMETER, Value: NEW_HOST, Type: 'String', Overwrite: true }]);
  });

  it('does not write again when a retry finds it repointed, and reports the original as previous', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(`${NEW_HOST}:5432`));

    // Act
    const result = await store.repoint(RESTORED, ORIGINAL);

    // Assess
    expect(result).toEqual({ previous: `${OLD_HOST}:5432`, value: `${NEW_HOST}:5432` });
    expect(puts()).toEqual([]);
  });

  it('reports the original in the parameter\u2019s own form (a plain host) when already repointed', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(NEW_HOST));

    // Act
    const result = await store.repoint(RESTORED, ORIGINAL);

    // Assess
    expect(result).toEqual({ previous: OLD_HOST, value: NEW_HOST });
    expect(puts()).toEqual([]);
  });

  it('reports the current value as previous when already repointed and the original is unknown', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameter(NEW_HOST));

    // Act
    const result = await store.repoint(RESTORED, null);

    // Assess
    expect(result).toEqual({ previous: NEW_HOST, value: NEW_HOST });
    expect(puts()).toEqual([]);
  });
});

describe('SecretEndpoint', () => {
  const secrets = mockClient(SecretsManagerClient);
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const store = new SecretEndpoint(client, SECRET_ID, 'host', 'port');

  /** A GetSecretValue response as Secrets Manager returns it. */
  const secretValue = (SecretString: string) => ({
    ARN: SECRET_ARN,
    Name: SECRET_ID,
    VersionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    SecretString,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: new Date('2026-01-10T09:00:00.000Z'),
  });

  /** An RDS-style connection secret. */
  const connection = {
    engine: 'postgres',
    username: 'checkout_app',
    password: 'correct-horse-battery-staple',
    host: OLD_HOST,
    port: 5432,
    dbname: 'checkout',
    dbInstanceIdentifier: 'checkout-db',
  };

  const puts = () => secrets.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);

  beforeEach(() => {
    secrets.reset();
  });

  afterAll(() => {
    secrets.restore();
  });

  it('sets host and port, keeps every other key, and passes the request token', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(secretValue(JSON.stringify(connection)));
    secrets.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, Name: SECRET_ID, VersionId: TOKEN });

    // Act
    const result = await store.repoint({ address: NEW_HOST, port: 6543 }, ORIGINAL, TOKEN);

    // Assess
    expect(result).toEqual({ previous: `${OLD_HOST}:5432`, value: `${NEW_HOST}:6543` });
    expect(store.source).toBe('secret:checkout-api/db');
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: SECRET_ID },
    ]);
    const [put] = puts();
    expect({ ...put, SecretString: JSON.parse(put?.SecretString ?? 'null') }).toEqual({
      SecretId: SECRET_ID,
      SecretString: { ...connection, host: NEW_HOST, port: 6543 },
      ClientRequestToken: TOKEN,
    });
    expect(puts()).toHaveLength(1);
  });

  it('keeps a port written as a string a string', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(secretValue(JSON.stringify({ ...connection, port: '5432' })));
    secrets.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, Name: SECRET_ID, VersionId: TOKEN });

    // Act
    await store.repoint({ address: NEW_HOST, port: 6543 }, ORIGINAL, TOKEN);

    // Assess
    expect(JSON.parse(puts()[0]?.SecretString ?? 'null')).toMatchObject({ host: NEW_HOST, port: '6543' });
  });

  it('sets the keys the plan names, leaving a same-named "host" key alone', async () => {
    // Prepare
    const custom = new SecretEndpoint(client, SECRET_ID, 'DB_HOST', 'DB_PORT');
    const value = { DB_HOST: OLD_HOST, DB_PORT: 5432, DB_USER: 'checkout_app', host: 'bastion.internal' };
    secrets.on(GetSecretValueCommand).resolves(secretValue(JSON.stringify(value)));
    secrets.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, Name: SECRET_ID, VersionId: TOKEN });

    // Act
    const result = await custom.repoint(RESTORED, ORIGINAL, TOKEN);

    // Assess
    expect(result).toEqual({ previous: `${OLD_HOST}:5432`, value: `${NEW_HOST}:5432` });
    expect(JSON.parse(puts()[0]?.SecretString ?? 'null')).toEqual({
      DB_HOST: NEW_HOST,
      DB_PORT: 5432,
      DB_USER: 'checkout_app',
      host: 'bastion.internal',
    });
  });

  it('does not write again when a retry finds it repointed, and reports the original as previous', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(secretValue(JSON.stringify({ ...connection, host: NEW_HOST })));

    // Act
    const result = await store.repoint(RESTORED, ORIGINAL, TOKEN);

    // Assess
    expect(result).toEqual({ previous: `${OLD_HOST}:5432`, value: `${NEW_HOST}:5432` });
    expect(puts()).toEqual([]);
  });

  it('repoints a secret on the new host but another port', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(secretValue(JSON.stringify({ ...connection, host: NEW_HOST })));
    secrets.on(PutSecretValueCommand).resolves({ ARN: SECRET_ARN, Name: SECRET_ID, VersionId: TOKEN });

    // Act
    const result = await store.repoint({ address: NEW_HOST, port: 6543 }, ORIGINAL, TOKEN);

    // Assess
    expect(result).toEqual({ previous: `${NEW_HOST}:5432`, value: `${NEW_HOST}:6543` });
    expect(JSON.parse(puts()[0]?.SecretString ?? 'null')).toMatchObject({ host: NEW_HOST, port: 6543 });
  });

  it('refuses a secret that is not JSON, naming the secret and not its value', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .resolves(secretValue(`postgres://checkout_app:correct-horse@${OLD_HOST}:5432/checkout`));

    // Act
    const error = await rejectionOf(store.repoint(RESTORED, ORIGINAL, TOKEN));

    // Assess
    expect((error as Error).message).toBe('secret checkout-api/db does not hold JSON; cannot repoint its host');
    expect(puts()).toEqual([]);
  });

  it('refuses a secret whose JSON is not an object', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves(secretValue(JSON.stringify([OLD_HOST, 5432])));

    // Act
    const error = await rejectionOf(store.repoint(RESTORED, ORIGINAL, TOKEN));

    // Assess
    expect((error as Error).message).toBe(
      'secret checkout-api/db does not hold a JSON object; cannot repoint its host',
    );
    expect(puts()).toEqual([]);
  });

  it('lets a missing secret through as Secrets Manager reports it', async () => {
    // Prepare
    const fault = new ResourceNotFoundException({
      message: "Secrets Manager can't find the specified secret.",
      $metadata: metadata,
    });
    secrets.on(GetSecretValueCommand).rejects(fault);

    // Act
    const error = await rejectionOf(store.repoint(RESTORED, ORIGINAL, TOKEN));

    // Assess
    expect(error).toBe(fault);
    expect(puts()).toEqual([]);
  });
});
