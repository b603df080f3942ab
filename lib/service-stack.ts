import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RolloutService, type RolloutServiceProps } from './service';

/** Properties of {@link RolloutServiceStack}: the stack's own and the service's. */
export interface RolloutServiceStackProps extends StackProps, RolloutServiceProps {}

/**
 * One service onboarded to an orchestrator, as the platform app deploys it for each plan file
 * (`RolloutService-<service>`). A service team's own app adds `RolloutService` to a stack of its own instead.
 */
export class RolloutServiceStack extends Stack {
  readonly service: RolloutService;

  constructor(scope: Construct, id: string, props: RolloutServiceStackProps) {
    super(scope, id, props);
    this.service = new RolloutService(this, 'Service', { plan: props.plan, orchestrator: props.orchestrator });
    new CfnOutput(this, 'RoleArn', {
      description: 'The role the orchestrator assumes for this service’s rollouts.',
      value: this.service.role.roleArn,
    });
    new CfnOutput(this, 'PlanParameterName', {
      description: 'The plan the orchestrator reads when a rollout starts.',
      value: this.service.parameter.parameterName,
    });
  }
}
