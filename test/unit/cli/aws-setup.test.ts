import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsSetupHint, clientConfig, SDK_CLIENTS } from '../../../bin/cli/aws-clients';
import { PROJECT_ROOT } from '../../../local/simulate';

const LAUNCHER = join(PROJECT_ROOT, 'bin/launch.mjs');
const VERSION = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string;

/**
 * Run the installed command (`bin/launch.mjs`: the bundle built by bin/build-cli.mjs) as a user would, with an
 * environment that has no AWS settings at all: an empty home, no config or credentials file, no instance metadata
 * (so nothing is asked of the network), plus `env`.
 */
function rolloutPilot(args: string[], env: Record<string, string> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'rollout-pilot-home-'));
  const out = spawnSync(process.execPath, [LAUNCHER, ...args], {
    cwd: home,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      ...env,
    },
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

const STATUS = ['status', '--service', 'checkout-api', '--table', 'rollout-pilot-rollouts'];

describe('rollout-pilot and its AWS environment (the bundled command, no network)', () => {
  it('--version prints the version of package.json and exits 0', () => {
    // Act
    const { status, stdout } = rolloutPilot(['--version']);

    // Assess
    expect(stdout).toBe(`${VERSION}\n`);
    expect(status).toBe(0);
  });

  it('without a Region: one line saying how to give one, exit 2', () => {
    // Act
    const { status, stdout, stderr } = rolloutPilot(STATUS);

    // Assess
    expect(stderr.trim()).toBe(
      'rollout-pilot: no AWS Region: pass --region or set AWS_REGION (or give your AWS profile a region)',
    );
    expect(stdout).toBe('');
    expect(status).toBe(2);
  });

  it.each([
    ['--region', [...STATUS, '--region', 'eu-west-1'], {}],
    ['AWS_REGION', STATUS, { AWS_REGION: 'eu-west-1' }],
    ['AWS_DEFAULT_REGION', STATUS, { AWS_DEFAULT_REGION: 'eu-west-1' }],
  ])('with a Region from %s but no credentials: one line saying how to get some, exit 1', (_from, args, env) => {
    // Act
    const { status, stderr } = rolloutPilot(args, env);

    // Assess
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^rollout-pilot: no AWS credentials: pass --profile, set AWS_PROFILE, or run aws sso login \(.+\)$/,
      ),
    ]);
    expect(status).toBe(1);
  });

  it.each([
    ['--profile', [...STATUS, '--profile', 'release'], {}],
    ['AWS_PROFILE', STATUS, { AWS_PROFILE: 'release' }],
  ])('reads the profile named by %s: its Region, and the credentials hint when it has none', (_from, args, env) => {
    // Prepare: a profile with a Region and no credentials, in the config file the SDK reads.
    const home = mkdtempSync(join(tmpdir(), 'rollout-pilot-config-'));
    writeFileSync(join(home, 'config'), '[profile release]\nregion = eu-west-1\n');

    // Act
    const { status, stderr } = rolloutPilot(args, { ...env, AWS_CONFIG_FILE: join(home, 'config') });

    // Assess: the Region came from the profile (no Region hint), the credentials did not.
    expect(stderr).toMatch(/^rollout-pilot: no AWS credentials: /);
    expect(status).toBe(1);
  });
});

describe('the AWS clients of the commands', () => {
  it('take --region and --profile when given, and leave the SDK its own chain when not', async () => {
    // Act
    const given = SDK_CLIENTS.sfn({ region: 'ap-southeast-2', profile: 'release' });
    const region = await given.config.region();

    // Assess
    expect(region).toBe('ap-southeast-2');
    expect(given.config.profile).toBe('release');
    expect(clientConfig({}, {})).toEqual({});
    expect(clientConfig({}, { AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
    // AWS_REGION first, as the AWS CLI reads them (the SDK reads it itself).
    expect(clientConfig({}, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({});
    expect(clientConfig({ region: 'sa-east-1' }, { AWS_DEFAULT_REGION: 'eu-west-1' })).toEqual({ region: 'sa-east-1' });
  });

  it('hint only for a missing Region or missing credentials, not for other AWS errors', () => {
    // Act
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    const sso = Object.assign(new Error('The SSO session associated with this profile has expired'), {
      name: 'CredentialsProviderError',
    });

    // Assess
    expect(awsSetupHint(new Error('Region is missing'))?.exitCode).toBe(2);
    expect(awsSetupHint(sso)?.exitCode).toBe(1);
    expect(awsSetupHint(denied)).toBeUndefined();
    expect(awsSetupHint('Region is missing')).toBeUndefined();
  });
});
