import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { DescribeExecutionCommand, ExecutionStatus, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import Ajv2020 from 'ajv/dist/2020';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { main, program } from '../../../bin/rollout-pilot';
import {
  MAX_EXECUTION_NAME_PREFIX,
  ServiceReleasePipelineStack,
  STATE_MACHINE_ARN_PATTERN,
} from '../../../examples/pipelines/codepipeline';
import { RolloutPilotStack } from '../../../lib/rollout-stack';
import {
  errorDetails,
  errorPaths,
  invocations,
  ROOT,
  readWorkflow,
  runStepScript,
  step,
  tableAfter,
} from '../../fixtures/pipelines';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:OrchestratorStateMachine1E795392-Ab12';
const sfn = mockClient(SFNClient);

afterEach(() => {
  sfn.reset();
  vi.unstubAllEnvs();
});

/** A GitHub run of the workflow, as far as its scripts can see it. */
const GITHUB = {
  SERVICE: 'checkout-api',
  GITHUB_RUN_ID: '16123456789',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_ACTOR: 'dependabot[bot]',
  GITHUB_REPOSITORY: 'your-org/checkout-api',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
};

describe('the GitHub Actions example', () => {
  it('is a valid workflow (action-validator: the SchemaStore workflow schema)', () => {
    // Act
    const result = validateWorkflow(readWorkflow().text);

    // Assess
    expect(result.actionType).toBe('workflow');
    expect(result.errors).toEqual([]);
  });

  const breakages: [string, (doc: ReturnType<typeof parseDocument>) => void, RegExp][] = [
    [
      'a permission with a value GitHub does not have',
      (d) => d.setIn(['permissions', 'id-token'], 'writ'),
      /^\/permissions\/id-token$/,
    ],
    ['a job without runs-on', (d) => d.deleteIn(['jobs', 'release', 'runs-on']), /^\/jobs\/release\/runs-on$/],
    [
      'a timeout that is not a number',
      (d) => d.setIn(['jobs', 'release', 'timeout-minutes'], 'five hours'),
      /^\/jobs\/release\/timeout-minutes$/,
    ],
    [
      'a step with both uses and run',
      (d) => d.setIn(['jobs', 'release', 'steps', 0, 'run'], 'echo'),
      /^\/jobs\/release\/steps\/0$/,
    ],
    ['a misspelt concurrency key', (d) => d.setIn(['concurrency', 'cancel-in-progres'], false), /^\/concurrency$/],
  ];
  it.each(breakages)('refuses a broken copy: %s', (_name, breakIt, path) => {
    // Prepare
    const doc = parseDocument(readWorkflow().text);
    breakIt(doc);

    // Act
    const result = validateWorkflow(doc.toString());

    // Assess
    expect(result.errors.length).toBeGreaterThan(0);
    expect(errorPaths(result.errors)).toContainEqual(expect.stringMatching(path));
  });

  it('refuses a broken copy: a misspelt job key, and YAML that does not parse', () => {
    // Prepare
    const doc = parseDocument(readWorkflow().text);
    doc.deleteIn(['jobs', 'release', 'timeout-minutes']);
    doc.setIn(['jobs', 'release', 'timeout-minute'], 300);

    // Act
    const misspelt = validateWorkflow(doc.toString());
    const unparsable = validateWorkflow(readWorkflow().text.replace('jobs:\n', 'jobs:\n\t'));

    // Assess
    expect(errorDetails(misspelt.errors)).toContain("Additional property 'timeout-minute' is not allowed");
    expect(unparsable.errors).toEqual([expect.objectContaining({ code: 'parse_error' })]);
  });

  it('pins every action to a full commit SHA, its release named in a comment', () => {
    // Prepare
    const { text } = readWorkflow();

    // Act
    const uses = text.split('\n').filter((line) => /^\s*(- )?uses:/.test(line));

    // Assess
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    const actions = uses.map((line) => /uses: ([\w./-]+)@/.exec(line)?.[1]);
    expect(actions).toEqual(
      expect.arrayContaining(['aws-actions/configure-aws-credentials', 'actions/upload-artifact']),
    );
  });

  it('asks for an OIDC token and read access only, and assumes a role with no stored keys', () => {
    // Prepare
    const { workflow } = readWorkflow();

    // Act
    const credentials = step(workflow, 'Assume the release role');

    // Assess
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(workflow.jobs.release?.permissions).toBeUndefined();
    expect(credentials.uses).toMatch(/^aws-actions\/configure-aws-credentials@/);
    expect(Object.keys(credentials.with ?? {}).sort()).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
  });

  it("never runs two releases of the service at once, and bounds the job's time", () => {
    // Prepare
    const { workflow } = readWorkflow();

    // Act
    const timeout = workflow.jobs.release?.['timeout-minutes'];

    // Assess
    expect(workflow.concurrency).toEqual({
      group: `rollout-pilot-${workflow.env.SERVICE}`,
      'cancel-in-progress': false,
    });
    expect(timeout).toBeGreaterThan(0);
    // GitHub-hosted runners end a job at 360 minutes whatever it asks for.
    expect(timeout).toBeLessThanOrEqual(360);
    expect(workflow.defaults.run.shell).toBe('bash');
  });

  it('uploads the report whatever happened, and lets only the rollout decide the result', () => {
    // Prepare
    const { workflow } = readWorkflow();

    // Act
    const rollout = step(workflow, 'Roll out');
    const report = step(workflow, 'Write the rollout report');
    const upload = step(workflow, 'Upload the rollout report');

    // Assess
    expect(rollout['continue-on-error']).toBeUndefined();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    expect(rollout.env).toEqual({ VERSION: '${{ steps.deploy.outputs.version }}' });
    expect(step(workflow, 'Deploy').id).toBe('deploy');
    expect(report.if).toBe("always() && steps.rollout.outcome != 'skipped'");
    expect(report['continue-on-error']).toBe(true);
    expect(upload.if).toBe('always()');
    expect(upload.uses).toMatch(/^actions\/upload-artifact@/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    expect(upload.with?.path).toBe('${{ runner.temp }}/rollout-report/');
    expect(report.run).toContain('out="$RUNNER_TEMP/rollout-report"');
  });

  it('writes the HTML report, the record as JSON and the text into the folder the artifact uploads', () => {
    // Prepare
    const { workflow } = readWorkflow();
    const script = step(workflow, 'Write the rollout report').run ?? '';
    const temp = mkdtempSync(join(tmpdir(), 'runner-temp-'));

    // Act
    const run = runStepScript(script, {
      ...GITHUB,
      ROLLOUT_NAME: 'gh16123456789-2-checkout-api',
      RUNNER_TEMP: temp,
      GITHUB_STEP_SUMMARY: join(temp, 'summary.md'),
    });

    // Assess
    expect(run.status).toBe(0);
    const reports = run.npxArgs.map((args) => args.slice(2));
    const base = ['report', '--service', 'checkout-api', '--rollout', 'gh16123456789-2-checkout-api'];
    expect(reports).toEqual([
      [...base, '--html', join(temp, 'rollout-report', 'report.html')],
      [...base, '--json'],
      base,
    ]);
    expect(readdirSync(join(temp, 'rollout-report')).sort()).toEqual(['report.json', 'report.txt']);
  });

  it('uses only commands and flags the CLI has, through the installed CLI only', () => {
    // Prepare
    const { workflow } = readWorkflow();
    const cli = program();

    // Act
    const used = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((s) => invocations(s.run ?? '')));

    // Assess
    expect(used.map((u) => u.command)).toEqual(['start', 'report', 'report', 'report']);
    for (const { command, flags, line } of used) {
      const known = cli.commands.find((c) => c.name() === command)?.options.map((o) => o.long);
      expect(known, line).toBeDefined();
      for (const flag of flags) {
        expect(known, `${flag} in: ${line}`).toContain(flag);
      }
      expect(line, 'npx must not fetch a package of that name').toMatch(/npx --no-install rollout-pilot /);
    }
    expect(used[0]?.flags).toEqual(expect.arrayContaining(['--service', '--version', '--name', '--wait']));
  });
});

describe("the GitHub Actions example's scripts", () => {
  it('name the rollout, and start it with arguments the CLI accepts, under the name the report looks for', async () => {
    // Prepare
    const { workflow } = readWorkflow();
    const named = runStepScript(step(workflow, 'Name the rollout').run ?? '', { ...GITHUB, SERVICE: 'a'.repeat(63) });
    const rolloutName = 'gh16123456789-2-checkout-api';
    const started = runStepScript(step(workflow, 'Roll out').run ?? '', {
      ...GITHUB,
      VERSION: '42',
      ROLLOUT_NAME: rolloutName,
    });
    vi.stubEnv('ROLLOUT_PILOT_STATE_MACHINE_ARN', STATE_MACHINE_ARN);
    vi.stubEnv('ROLLOUT_PILOT_TABLE', 'rollout-pilot-rollouts');
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:x`, startDate: new Date() });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' } as never);
    const [npxArgs] = started.npxArgs;
    const longName = /^ROLLOUT_NAME=(.*)$/m.exec(named.githubEnv)?.[1] ?? '';

    // Act
    const code = await main((npxArgs ?? []).slice(2), () => {});
    const codeWithLongName = await main(
      ['start', '--service', 'a'.repeat(63), '--version', '1', '--name', longName],
      () => {},
    );

    // Assess
    expect(started.status).toBe(0);
    expect(npxArgs?.slice(0, 3)).toEqual(['--no-install', 'rollout-pilot', 'start']);
    expect(code).toBe(0);
    expect(codeWithLongName).toBe(0);
    expect(longName).toMatch(/^gh16123456789-2-a+$/);
    const [first] = sfn.commandCalls(StartExecutionCommand);
    expect(first?.args[0].input.name).toBe(rolloutName);
    expect(JSON.parse(first?.args[0].input.input ?? '')).toEqual({
      service: 'checkout-api',
      version: '42',
      changeId: 'your-org/checkout-api@0123456789ab',
      requestedBy: 'github/dependabot-bot-',
    });
  });

  it.each([
    [0, undefined],
    [1, /::error::checkout-api 42 was not promoted/],
    [2, /::error::rollout-pilot refused its arguments or found no AWS Region \(exit 2\)/],
  ])('end the rollout step with the exit code of start --wait (%i)', (exit, annotation) => {
    // Prepare
    const script = step(readWorkflow().workflow, 'Roll out').run ?? '';

    // Act
    const run = runStepScript(script, { ...GITHUB, VERSION: '42', ROLLOUT_NAME: 'n' }, exit);

    // Assess
    expect(run.status).toBe(exit);
    if (annotation) expect(run.stdout).toMatch(annotation);
    else expect(run.stdout).not.toMatch(/::error::/);
  });
});

describe('the CodePipeline example', () => {
  const synth = (stateMachineArnFromApp = false, service = 'checkout-api') => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    const rollout = stateMachineArnFromApp ? new RolloutPilotStack(app, 'RolloutPilot') : undefined;
    const stack = new ServiceReleasePipelineStack(app, 'CheckoutApiRelease', {
      service,
      functionName: service,
      stateMachine: rollout?.orchestrator.stateMachine,
    });
    return { stack, rollout, template: Template.fromStack(stack) };
  };
  const { template } = synth();

  it('deploys, then starts the rollout with the service and the deployed version, in one stage', () => {
    // Act
    const [deploy, rollout] = releaseStageOf(template);

    // Assess
    expect(Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0]?.Properties).toMatchObject({
      PipelineType: 'V2',
      ExecutionMode: 'SUPERSEDED',
    });
    expect(deploy).toMatchObject({ Name: 'Deploy', RunOrder: 1, Namespace: 'Deploy' });
    expect(deploy?.ActionTypeId).toMatchObject({ Category: 'Build', Provider: 'CodeBuild' });
    expect(rollout).toMatchObject({ Name: 'Rollout', RunOrder: 2 });
    expect(rollout?.ActionTypeId).toEqual({
      Category: 'Invoke',
      Owner: 'AWS',
      Provider: 'StepFunctions',
      Version: '1',
    });
    const configuration = rollout?.Configuration ?? {};
    expect(configuration).toEqual({
      StateMachineArn: { Ref: 'RolloutStateMachineArn' },
      InputType: 'Literal',
      Input: expect.any(String),
      ExecutionNamePrefix: 'checkout-api',
    });
    expect(JSON.parse(String(configuration.Input))).toEqual({
      service: 'checkout-api',
      version: '#{Deploy.VERSION}',
      changeId: '#{codepipeline.PipelineExecutionId}',
      requestedBy: 'codepipeline',
    });
  });

  it('gives the rollout an input its schema accepts once CodePipeline fills in the variables, from a variable the deploy exports', () => {
    // Prepare
    const schema = JSON.parse(readFileSync(join(ROOT, 'examples/schemas/execution-input.schema.json'), 'utf8'));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    const input = String(rolloutActionOf(template).Configuration.Input);
    const project = Object.values(template.findResources('AWS::CodeBuild::Project'))[0];

    // Act
    const filled = JSON.parse(
      input.replace('#{Deploy.VERSION}', '42').replace('#{codepipeline.PipelineExecutionId}', crypto.randomUUID()),
    );
    const valid = validate(filled);

    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const buildSpec = JSON.parse(project?.Properties.Source.BuildSpec);
    expect(buildSpec.env['exported-variables']).toEqual(['VERSION']);
  });

  it('takes the state machine as an ARN parameter, and lets only the rollout action start and follow it', () => {
    // Prepare
    const parameter = template.findParameters('RolloutStateMachineArn').RolloutStateMachineArn;
    const pattern = new RegExp(String(parameter?.AllowedPattern));
    const [rolloutRole] = rolloutActionOf(template).RoleArn['Fn::GetAtt'];

    // Act
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const starting = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('states:'));

    // Assess
    expect(parameter?.AllowedPattern).toBe(STATE_MACHINE_ARN_PATTERN);
    expect(STATE_MACHINE_ARN).toMatch(pattern);
    expect('arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:Rollout').toMatch(pattern);
    expect(`${STATE_MACHINE_ARN}:3`).not.toMatch(pattern);
    expect(STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')).not.toMatch(pattern);
    expect(starting).toHaveLength(1);
    expect(starting[0]?.Properties.Roles).toEqual([{ Ref: rolloutRole }]);
    const statements = starting[0]?.Properties.PolicyDocument.Statement;
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: ['states:StartExecution', 'states:DescribeStateMachine'],
      Resource: { Ref: 'RolloutStateMachineArn' },
    });
    expect(statements[1]).toMatchObject({ Effect: 'Allow', Action: 'states:DescribeExecution' });
    expect(JSON.stringify(statements[1].Resource)).toMatch(/":execution:",.*":checkout-api\*"\]\]\}$/);
  });

  it("in the RolloutPilot stack's app, starts the orchestrator's state machine, through CDK's export of its ARN", () => {
    // Act
    const { stack, rollout } = synth(true);

    // Assess
    const stateMachineId = rollout?.getLogicalId(rollout.orchestrator.stateMachine.node.defaultChild as CfnElement);
    const outputs = Object.values(Template.fromStack(rollout as RolloutPilotStack).toJSON().Outputs);
    const exported = (outputs as { Value: unknown; Export?: { Name: string } }[]).find(
      (o) => o.Export && JSON.stringify(o.Value) === JSON.stringify({ Ref: stateMachineId }),
    );
    const pipelineTemplate = Template.fromStack(stack);
    expect(exported?.Export?.Name).toMatch(/^RolloutPilot:/);
    expect(rolloutActionOf(pipelineTemplate).Configuration).toMatchObject({
      StateMachineArn: { 'Fn::ImportValue': exported?.Export?.Name },
    });
    expect(pipelineTemplate.findParameters('RolloutStateMachineArn')).toEqual({});
  });

  it('keeps the execution name within 80 characters for the longest service name', () => {
    // Act
    const { template: long } = synth(false, 'a'.repeat(63));

    // Assess
    const prefix = String(rolloutActionOf(long).Configuration.ExecutionNamePrefix);
    expect(prefix).toBe('a'.repeat(MAX_EXECUTION_NAME_PREFIX));
    expect(`${prefix}-${crypto.randomUUID()}`.length).toBe(80);
  });
});

describe('docs/pipelines.md: the exit codes of start --wait', () => {
  const doc = readFileSync(join(ROOT, 'docs/pipelines.md'), 'utf8');
  const rows = tableAfter(doc, '## Exit codes of `rollout-pilot start --wait`').map(([code, meaning, statuses]) => ({
    code: code ?? '',
    meaning: meaning ?? '',
    statuses: [...(statuses ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1] ?? ''),
  }));
  const START = ['start', '--service', 'checkout-api', '--version', '42', '--state-machine-arn', STATE_MACHINE_ARN];
  const start = (...more: string[]) =>
    main(
      [...START, '--wait', '--poll', '1', ...more],
      () => {},
      () => {},
      // No real waiting between two checks.
      { sleep: async () => {} },
    );

  it('names every execution status the AWS SDK knows, once', () => {
    // Act
    const documented = rows.flatMap((r) => r.statuses);

    // Assess
    expect([...documented].sort()).toEqual(Object.values(ExecutionStatus).sort());
    expect(rows.map((r) => r.code)).toEqual(['0', '1', '1', '2', '(keeps waiting)']);
  });

  const byStatus = rows.flatMap((r) => r.statuses.map((status) => [status, r.code] as const));
  it.each(byStatus)('%s: %s, as the CLI does', async (status, documented) => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN}:x`, startDate: new Date() });
    const waiting = documented === '(keeps waiting)';
    const describe = sfn.on(DescribeExecutionCommand);
    if (waiting) describe.resolvesOnce({ status } as never).resolves({ status: 'SUCCEEDED' } as never);
    else describe.resolves({ status, error: 'RolloutRolledBack', cause: 'error rate 8.3%' } as never);

    // Act
    const code = await start();

    // Assess
    expect(code).toBe(waiting ? 0 : Number(documented));
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(waiting ? 2 : 1);
  });

  it('1 when an AWS call fails, and 2 for bad usage with nothing started, as the CLI does', async () => {
    // Prepare
    const documented = rows.filter((r) => r.statuses.length === 0).map((r) => [r.code, r.meaning]);
    sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act
    const awsFailed = await start();
    const badVersion = await start('--version', 'not a version');
    const unknownFlag = await start('--no-such-flag');

    // Assess
    expect(documented).toEqual([
      ['1', expect.stringMatching(/^an AWS call failed/)],
      ['2', expect.stringMatching(/^bad usage/)],
    ]);
    expect([awsFailed, badVersion, unknownFlag]).toEqual([1, 2, 2]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it('names the error of each Fail state of the workflow', () => {
    // Prepare
    const asl = JSON.parse(readFileSync(join(ROOT, 'statemachines/rollout.asl.json'), 'utf8'));

    // Act
    const errors = Object.values(asl.States as Record<string, { Type: string; Error?: string }>)
      .filter((state) => state.Type === 'Fail')
      .map((state) => state.Error);

    // Assess
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(doc).toContain(`\`${error}\``);
  });
});

describe('LICENSE', () => {
  it('is the Apache License 2.0, word for word, with the copyright line of its appendix filled in', () => {
    // Prepare
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

    // Act
    const asPublished = license.replace(
      /^ {3}Copyright 2026 Rollout Pilot contributors$/m,
      '   Copyright [yyyy] [name of copyright owner]',
    );

    // Assess
    expect(license).not.toBe(asPublished);
    // SHA-256 of https://www.apache.org/licenses/LICENSE-2.0.txt
    expect(createHash('sha256').update(asPublished).digest('hex')).toBe(
      'cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30',
    );
    expect(pkg.license).toBe('Apache-2.0');
  });
});

interface PipelineAction {
  Name: string;
  RunOrder: number;
  Namespace?: string;
  ActionTypeId: Record<string, string>;
  Configuration: Record<string, unknown>;
  RoleArn: { 'Fn::GetAtt': [string, string] };
}

/** The actions of the pipeline's Release stage, in order. */
function releaseStageOf(template: Template): PipelineAction[] {
  const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  const stages = (pipeline?.Properties.Stages ?? []) as { Name: string; Actions: PipelineAction[] }[];
  return stages.find((s) => s.Name === 'Release')?.Actions ?? [];
}

function rolloutActionOf(template: Template): PipelineAction {
  const action = releaseStageOf(template).find((a) => a.Name === 'Rollout');
  if (!action) throw new Error('the Release stage has no Rollout action');
  return action;
}
