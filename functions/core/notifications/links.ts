import { dashboardUrl } from '../dashboard';

/** Where a message about a rollout points: its execution in the console, the service's dashboard, its report. */
export interface RolloutLinks {
  /** The Step Functions console page of the execution (null: not an execution ARN). */
  execution: string | null;
  /** The service's CloudWatch dashboard (null: the Region is not known). */
  dashboard: string | null;
  /** The command that writes the rollout's report page. */
  report: string;
}

/** The links of a rollout, from its execution ARN (partition, Region) and the orchestrator's name. */
export function rolloutLinks(about: { service: string; executionArn: string }, orchestrator: string): RolloutLinks {
  const arn = parseExecutionArn(about.executionArn);
  const rollout = about.executionArn.split(':').at(-1) || about.executionArn;
  return {
    execution: arn ? executionConsoleUrl(about.executionArn, arn.partition, arn.region) : null,
    dashboard: arn ? dashboardUrl(arn.region, orchestrator, about.service) : null,
    report: reportCommand(about.service, rollout),
  };
}

/** `rollout-pilot report --service S --rollout ID --html report.html` */
export function reportCommand(service: string, rollout: string): string {
  return `rollout-pilot report --service ${service} --rollout ${rollout} --html report.html`;
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>` */
function parseExecutionArn(executionArn: string): { partition: string; region: string } | null {
  const match = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):\d{12}:execution:[^:]+:[^:]+$/.exec(executionArn);
  return match?.[1] && match[2] ? { partition: match[1], region: match[2] } : null;
}

/** The console's host differs by partition (China and GovCloud have their own). */
function executionConsoleUrl(executionArn: string, partition: string, region: string): string {
  const host =
    partition === 'aws-cn'
      ? 'console.amazonaws.cn'
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}
