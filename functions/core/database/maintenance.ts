import * as z from 'zod';

/**
 * Maintenance mode during a restore (the runbook's "activate maintenance mode first"): the switch the service
 * reads, and what the record keeps of it. While it is on the service takes no writes, so nothing more is written
 * to the damaged database between the moment the damage is known and the moment the service runs on the restored
 * one: those writes would not be in the restored database.
 */

const PARAMETER_NAME = /^[a-zA-Z0-9_.\-/]{1,2048}$/;

export const MaintenancePolicySchema = z
  .strictObject({
    type: z.literal('ssm-parameter').describe('The service reads its maintenance switch from an SSM parameter.'),
    name: z
      .string()
      .regex(PARAMETER_NAME, 'expected an SSM parameter name such as "/checkout-api/maintenance"')
      .describe('The parameter the service reads to know whether it is in maintenance (it must exist).'),
    onValue: z
      .string()
      .min(1)
      .max(4096)
      .default('on')
      .describe('The value that puts the service in maintenance (it stops taking writes).'),
    offValue: z
      .string()
      .min(1)
      .max(4096)
      .default('off')
      .describe(
        'The value the service runs normally with; what a turn-off command puts back when the value before the restore is not known.',
      ),
  })
  .superRefine((m, ctx) => {
    if (m.onValue === m.offValue) {
      ctx.addIssue({ code: 'custom', path: ['offValue'], message: `must differ from onValue (both "${m.onValue}")` });
    }
  })
  .describe(
    'How the service is put in maintenance during a restore: turned on before the restore starts (when the damage is known: before the approval is asked, or at once for an automatic restore), and put back to the value it had only after the restored database is verified and the service repointed. A restore that fails, is declined or times out leaves it on, and the notification gives the command that turns it off.',
  );
export type MaintenancePolicy = z.output<typeof MaintenancePolicySchema>;

/** What the record keeps of the maintenance switch during a restore. */
export const MaintenanceStateSchema = z.strictObject({
  /** `ssm:/checkout-api/maintenance`. */
  source: z.string(),
  /** The value read before turning it on (put back at the end), and its parameter version. */
  previous: z.string(),
  previousVersion: z.number().int(),
  /** The version Rollout Pilot wrote; null when it was already on (nothing written, nothing to put back). */
  onVersion: z.number().int().nullable(),
  /**
   * `turning-on`: the value read, not yet written (a re-run compares the version); `on`; `off` (put back);
   * `changed`: someone else changed the switch since Rollout Pilot read or wrote it, and it was left as they set it.
   */
  status: z.enum(['turning-on', 'on', 'off', 'changed']),
  onAt: z.string().nullable(),
  offAt: z.string().nullable(),
  detail: z.string(),
});
export type MaintenanceState = z.output<typeof MaintenanceStateSchema>;

/** The AWS CLI call that turns maintenance off by hand (puts back the value it had before, when known). */
export function maintenanceOffCommand(policy: MaintenancePolicy, state: MaintenanceState | undefined): string {
  const value = state && state.previous !== policy.onValue ? state.previous : policy.offValue;
  return `aws ssm put-parameter --name ${policy.name} --value ${shellQuote(value)} --overwrite`;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_.:/=@+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
