import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * The credential provider of the deployed steps. Lambda hands a function its role's credentials in environment
 * variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); the SDK's default chain also knows
 * SSO, shared config files, web identity, processes and instance metadata, none of which exist there, and bundling
 * them adds about 130 KB to every step. The CDK bundling aliases `@aws-sdk/credential-provider-node` (whose
 * `defaultProvider` every client's runtime config imports) to this module. The CLI and the tests keep the full chain.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
