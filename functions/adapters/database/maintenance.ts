import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { MaintenancePolicy } from '../../core/database';
import { aws } from '../aws';

/** A value of the maintenance switch and its version (the parameter's version number). */
export interface SwitchValue {
  value: string;
  version: number;
}

/**
 * The switch the service reads to know whether it is in maintenance: an SSM parameter. Parameter Store has no
 * conditional write, so the use case reads the version right before writing and checks that the write made the
 * next version: a change by someone else is detected, named and never written over again.
 */
export interface MaintenanceSwitch {
  /** A readable name for reports: `ssm:/checkout-api/maintenance`. */
  readonly source: string;
  read(): Promise<SwitchValue>;
  /** Write `value` as a new version; returns that version. */
  write(value: string): Promise<number>;
}

export function maintenanceSwitchFor(policy: MaintenancePolicy, ssm: () => SSMClient): MaintenanceSwitch {
  return new SsmMaintenanceSwitch(ssm(), policy.name);
}

class SsmMaintenanceSwitch implements MaintenanceSwitch {
  readonly source: string;
  private type: string | undefined;

  constructor(
    private readonly ssm: SSMClient,
    private readonly name: string,
  ) {
    this.source = `ssm:${name}`;
  }

  async read(): Promise<SwitchValue> {
    const got = await aws(
      'ssm:GetParameter',
      () => this.ssm.send(new GetParameterCommand({ Name: this.name, WithDecryption: true })),
      this.name,
    );
    this.type = got.Parameter?.Type;
    return { value: got.Parameter?.Value ?? '', version: got.Parameter?.Version ?? 0 };
  }

  async write(value: string): Promise<number> {
    const put = await aws(
      'ssm:PutParameter',
      () =>
        this.ssm.send(
          new PutParameterCommand({
            Name: this.name,
            Value: value,
            ...(this.type ? { Type: this.type as 'String' } : {}),
            Overwrite: true,
          }),
        ),
      this.name,
    );
    return put.Version ?? 0;
  }
}
