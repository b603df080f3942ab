import type { CliCommand } from '../command';
import * as abort from './abort';
import * as checkMigrations from './check-migrations';
import * as drill from './drill';
import * as report from './report';
import * as restore from './restore';
import { approve, promote, reject } from './signals';
import * as simulate from './simulate';
import * as start from './start';
import * as status from './status';
import * as unfreeze from './unfreeze';
import * as validate from './validate';
import * as watch from './watch';

/** Every command of `rollout-pilot`, in the order the help lists them. */
export const COMMANDS: readonly CliCommand[] = [
  simulate,
  validate,
  checkMigrations,
  start,
  status,
  watch,
  report,
  abort,
  promote,
  approve,
  reject,
  unfreeze,
  restore,
  drill,
];
