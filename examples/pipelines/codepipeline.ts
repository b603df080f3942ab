/**
 * An AWS CodePipeline that releases one service through Rollout Pilot: the service's own deploy publishes the new
 * version, then a Step Functions invoke action starts the rollout workflow with the service and that version, and
 * the pipeline succeeds only when the execution does, that is when the version is promoted. See docs/pipelines.md.
 *
 * Copy this file into the service's CDK app, replace the source and the deploy with your own, and give the stack
 * the service's name and the rollout state machine.
 */
import { ArnFormat, CfnParameter, Stack, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * What the `RolloutStateMachineArn` parameter accepts: the ARN of a state machine (not of an execution or of a
 * version). The orchestrator lets CloudFormation name its state machine, so the name is not known before the
 * RolloutPilot stack is deployed: the pipeline takes the stack's `StateMachineArn` output as a parameter.
 */
export const STATE_MACHINE_ARN_PATTERN =
  '^arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]{1,80}$';

/**
 * Step Functions names an execution `<prefix>-<action execution id>` (a 36-character UUID), and an execution name
 * has at most 80 characters.
 */
export const MAX_EXECUTION_NAME_PREFIX = 80 - 1 - 36;

export interface ServiceReleasePipelineProps extends StackProps {
  /** The service to release, as its plan names it. */
  readonly service: string;
  /** The Lambda function the deploy publishes a new version of: the one the plan's target names. */
  readonly functionName: string;
  /**
   * The rollout state machine, when this stack is in the same CDK app as the RolloutPilot stack
   * (`rolloutStack.orchestrator.stateMachine`: CDK exports its ARN from that stack and imports it here).
   *
   * @default a `RolloutStateMachineArn` stack parameter: the `StateMachineArn` output of the RolloutPilot stack
   */
  readonly stateMachine?: sfn.IStateMachine;
}

/** Source, then one Release stage: the deploy, then the rollout. */
export class ServiceReleasePipelineStack extends Stack {
  readonly pipeline: codepipeline.Pipeline;
  /** The action that starts the rollout. */
  readonly rolloutAction: actions.StepFunctionInvokeAction;

  constructor(scope: Construct, id: string, props: ServiceReleasePipelineProps) {
    super(scope, id, props);
    const stateMachine = props.stateMachine ?? this.stateMachineParameter();

    // Replace with your source (a CodeStar connection to your repository, an ECR image...). Here: a zip uploaded
    // to `<service>/source.zip` with the function's code as `function.zip` inside.
    const bucket = new s3.Bucket(this, 'SourceBucket', {
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
    });
    const source = new codepipeline.Artifact('Source');
    const sourceAction = new actions.S3SourceAction({
      actionName: 'Source',
      bucket,
      bucketKey: `${props.service}/source.zip`,
      output: source,
    });

    const deployAction = new actions.CodeBuildAction({
      actionName: 'Deploy',
      project: this.deployProject(props.functionName),
      input: source,
      variablesNamespace: 'Deploy',
      runOrder: 1,
    });
    this.rolloutAction = new actions.StepFunctionInvokeAction({
      actionName: 'Rollout',
      stateMachine,
      // The execution input of the rollout workflow (examples/schemas/execution-input.schema.json). CodePipeline
      // replaces the #{...} variables when the action runs.
      stateMachineInput: actions.StateMachineInput.literal({
        service: props.service,
        version: deployAction.variable('VERSION'),
        changeId: codepipeline.GlobalVariables.executionId,
        requestedBy: 'codepipeline',
      }),
      // The execution is named `<service>-<action execution id>`: `rollout-pilot report --rollout` finds it.
      executionNamePrefix: props.service.slice(0, MAX_EXECUTION_NAME_PREFIX),
      runOrder: 2,
    });

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      // A stage runs one execution at a time, and a newer one replaces the one waiting to enter it. The deploy and
      // the rollout share a stage so that the next release cannot deploy while this one is rolling out.
      executionMode: codepipeline.ExecutionMode.SUPERSEDED,
      restartExecutionOnUpdate: false,
      // One account: the artifacts need no customer-managed KMS key (each costs a monthly fee).
      crossAccountKeys: false,
      stages: [
        { stageName: 'Source', actions: [sourceAction] },
        { stageName: 'Release', actions: [deployAction, this.rolloutAction] },
      ],
    });
  }

  private stateMachineParameter(): sfn.IStateMachine {
    const arn = new CfnParameter(this, 'RolloutStateMachineArn', {
      type: 'String',
      allowedPattern: STATE_MACHINE_ARN_PATTERN,
      constraintDescription: 'the ARN of a state machine: the StateMachineArn output of the RolloutPilot stack',
      description: 'The rollout state machine: the StateMachineArn output of the RolloutPilot stack.',
    });
    return sfn.StateMachine.fromStateMachineArn(this, 'RolloutStateMachine', arn.valueAsString);
  }

  /**
   * Replace with your own deploy. It must deploy the new version without sending it traffic and export `VERSION`:
   * for a Lambda alias target, the version number published from the new code (the alias still points at the
   * stable one).
   */
  private deployProject(functionName: string): codebuild.PipelineProject {
    const project = new codebuild.PipelineProject(this, 'Deploy', {
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 },
      environmentVariables: { FUNCTION_NAME: { value: functionName } },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { 'exported-variables': ['VERSION'] },
        phases: {
          build: {
            commands: [
              'VERSION=$(aws lambda update-function-code --function-name "$FUNCTION_NAME" --zip-file fileb://function.zip --publish --query Version --output text)',
            ],
          },
        },
      }),
    });
    project.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:UpdateFunctionCode', 'lambda:PublishVersion', 'lambda:GetFunctionConfiguration'],
        resources: [
          this.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: functionName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    return project;
  }
}
