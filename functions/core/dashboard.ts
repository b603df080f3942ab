/** The CloudWatch dashboard a service's stack deploys: its name and its console address. */
export function dashboardName(orchestrator: string, service: string): string {
  return `${orchestrator}-${service}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 255);
}

/** The console page of a service's dashboard. */
export function dashboardUrl(region: string, orchestrator: string, service: string): string {
  const name = encodeURIComponent(dashboardName(orchestrator, service));
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`;
}
