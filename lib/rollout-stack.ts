import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RolloutOrchestrator, type RolloutOrchestratorProps } from './orchestrator';

/** Properties of {@link RolloutPilotStack}: the stack's own and the orchestrator's. */
export interface RolloutPilotStackProps extends StackProps, RolloutOrchestratorProps {}

/**
 * The deployable unit: the rollout orchestrator and the outputs pipelines and the CLI need to find it.
 */
export class RolloutPilotStack extends Stack {
  /** Everything the stack deploys: the workflow, its functions, bus, rules, table, topic and operator policy. */
  readonly orchestrator: RolloutOrchestrator;

  constructor(scope: Construct, id: string, props: RolloutPilotStackProps = {}) {
    super(scope, id, props);
    this.orchestrator = new RolloutOrchestrator(this, 'Orchestrator', {
      name: props.name,
      serviceAccounts: props.serviceAccounts,
      organizationId: props.organizationId,
      logRetention: props.logRetention,
      tableRemovalPolicy: props.tableRemovalPolicy,
      drillSchedules: props.drillSchedules,
    });

    new CfnOutput(this, 'StateMachineArn', {
      description: 'The rollout workflow: StartExecution with {"service": ..., "version": ...}.',
      value: this.orchestrator.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'TableName', {
      description: 'Rollout locks and records.',
      value: this.orchestrator.table.tableName,
    });
    new CfnOutput(this, 'TopicArn', {
      description: 'The shared notification topic (plans without their own topic).',
      value: this.orchestrator.topic.topicArn,
    });
    new CfnOutput(this, 'SignalFunctionName', {
      description:
        'Operator signals (rollout-pilot abort | promote): Invoke it with {"type": ..., "service": ..., "by": ..., "reason": ...}.',
      value: this.orchestrator.eventFunctions.signal.functionName,
    });
    new CfnOutput(this, 'EventBusArn', {
      description: 'Where the services’ alarm rules forward their alarms (RolloutService finds it by name).',
      value: this.orchestrator.eventBus.eventBusArn,
    });
    new CfnOutput(this, 'OrchestratorName', {
      description: 'The name services give RolloutService (orchestrator.name) to onboard to this orchestrator.',
      value: this.orchestrator.name,
    });
    new CfnOutput(this, 'OperatorPolicyArn', {
      description: 'Attach to operators: what the rollout-pilot CLI needs (start, follow, stop, redrive, signal).',
      value: this.orchestrator.operatorPolicy.managedPolicyArn,
    });
  }
}
