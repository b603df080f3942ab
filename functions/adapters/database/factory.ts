import type { RDSClient } from '@aws-sdk/client-rds';
import type { DatabasePolicy } from '../../core/database';
import { AuroraClusterGateway } from './aurora-cluster';
import type { DatabaseGateway } from './gateway';
import { RdsInstanceGateway } from './rds-instance';

/** The gateway of a plan's database. */
export function databaseFor(policy: DatabasePolicy, rds: RDSClient): DatabaseGateway {
  return policy.type === 'aurora-cluster'
    ? new AuroraClusterGateway(rds, policy.identifier)
    : new RdsInstanceGateway(rds, policy.identifier);
}
