/**
 * A service team's own CDK app onboarding its service to a platform team's orchestrator (docs/deploy.md, path b):
 * one `RolloutService` in a stack of the service's account. Run it from this folder with `npx cdk synth`
 * (`cdk.json` runs `main.ts` with tsx); in a repository of your own, import `RolloutService` and `parsePlan` from your copy
 * of Rollout Pilot instead of the relative paths below.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parsePlan } from '../../functions/core/plan';
import { RolloutService } from '../../lib/service';

/** Where the platform team's orchestrator is: its name (the `OrchestratorName` output) and its account. */
const ORCHESTRATOR = { name: 'rollout-pilot', account: '111111111111' };

/** The service's own stack: whatever else it deploys, plus its onboarding. */
export class CheckoutApiStack extends Stack {
  readonly rollouts: RolloutService;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'plans', 'checkout-api.json');
    const plan = parsePlan(JSON.parse(readFileSync(file, 'utf8')), file);
    this.rollouts = new RolloutService(this, 'Rollouts', { plan, orchestrator: ORCHESTRATOR });
  }
}

/** The app: the service in its own account (222222222222 here), the orchestrator's Region. */
export function buildServiceApp(outdir?: string): { app: App; stack: CheckoutApiStack } {
  const app = new App(outdir ? { outdir } : {});
  const stack = new CheckoutApiStack(app, 'CheckoutApi', { env: { account: '222222222222', region: 'us-east-1' } });
  return { app, stack };
}
