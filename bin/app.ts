import { buildApp, describeSynthError } from '../lib/app';

// Synthesize explicitly rather than on exit, so that a bad plan ends the process with its message and a non-zero
// status instead of a stack trace from inside the CDK.
try {
  const { app } = buildApp();
  app.synth();
} catch (error) {
  process.stderr.write(`Rollout Pilot: synth failed.\n${describeSynthError(error)}\n`);
  process.exit(1);
}
