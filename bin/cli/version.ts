// Read at build time: esbuild inlines the field into the bundle, so `--version` needs no package.json beside it.
import { version } from '../../package.json';

/** The version of rollout-pilot, as package.json says it. */
export const VERSION: string = version;
