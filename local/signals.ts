import type { FreezeStore } from '../functions/adapters/freeze-store';
import { unfreeze } from '../functions/use-cases/unfreeze';
import type { VirtualClock } from './clock';
import { describeError } from './describe';
import type { Report } from './report';
import { startRestoreSignal } from './restore-signal';
import type { Invoker, LocalExecution } from './runner';
import type { Scenario } from './scenario';
import type { SimWorld } from './world';

/** What an operator's signal acts on: the last execution, the signal function, the report's failed signals. */
export interface Operators {
  world: SimWorld;
  service: string;
  clock: VirtualClock;
  execution: LocalExecution | undefined;
  failedSignals: Report['signals'];
  invoke: Invoker;
  /** The services' freezes on incident, as `rollout-pilot unfreeze` writes them (the scenario's faults apply). */
  freezes: FreezeStore;
  /** Every execution started so far, and how to start another (`restore`). */
  executions: readonly LocalExecution[];
  /** Start another execution now, as a pipeline does (`start`). */
  startExecution(name: string, input: unknown): LocalExecution;
  /** What broke the simulator itself (a redrive that could not run). */
  crashed(error: unknown): void;
}

/**
 * An operator's action from the scenario, at its time. A signal whose invocation fails (the signal function
 * throws, e.g. DynamoDB refuses its reads) is what the CLI would show as a failed command: it is noted in the
 * timeline and the report's signals, and the run goes on.
 */
export async function operatorSignal(ops: Operators, signal: Scenario['world']['signals'][number]): Promise<unknown> {
  const { world, execution } = ops;
  const who = ('by' in signal ? signal.by : undefined) ?? 'an operator';
  switch (signal.type) {
    case 'start':
      world.note('start', `a pipeline starts execution ${signal.name}: ${JSON.stringify(signal.input)}`);
      ops.startExecution(signal.name, signal.input);
      return undefined;
    case 'unfreeze':
      return unfreezeSignal(ops, signal);
    case 'redrive':
      if (execution?.status === 'FAILED' && execution.failed?.redrivable) {
        world.note('redrive', `${who} redrives the execution from ${execution.failed.state}`);
        execution.redrive().catch((error: unknown) => ops.crashed(error));
      } else {
        world.note('redrive', `${who} cannot redrive: the execution is ${execution?.status ?? 'not started'}`);
      }
      return undefined;
    case 'restore':
      return startRestoreSignal(ops, signal);
    case 'stop-execution':
      world.note('stop', `${who} stops the execution in the console (it is ${execution?.status ?? 'not started'})`);
      execution?.stop();
      return undefined;
    case 'abort':
    case 'promote':
    case 'approve':
    case 'reject': {
      const { at: _at, ...rest } = signal;
      const event = { ...rest, service: ops.service };
      world.note(
        signal.type,
        `${who}: rollout-pilot ${signal.type}${signal.reason ? ` --reason "${signal.reason}"` : ''}`,
      );
      const at = ops.clock.now().toISOString();
      let result: { accepted: boolean; message: string };
      try {
        result = (await ops.invoke('signal', event as never)) as { accepted: boolean; message: string };
      } catch (error) {
        const message = `failed: the signal function answered ${describeError(error)}`;
        world.note(signal.type, message);
        ops.failedSignals.push({
          at,
          type: signal.type,
          by: who,
          reason: signal.reason ?? null,
          accepted: false,
          result: message,
        });
        return { accepted: false, message };
      }
      world.note(signal.type, `${result.accepted ? 'accepted' : 'ignored'}: ${result.message}`);
      return result;
    }
  }
}

/** `rollout-pilot unfreeze`, as the CLI runs it: a failure is noted in the timeline and the report's signals. */
async function unfreezeSignal(
  ops: Operators,
  signal: Extract<Scenario['world']['signals'][number], { type: 'unfreeze' }>,
): Promise<unknown> {
  const { world } = ops;
  world.note('unfreeze', `${signal.by}: rollout-pilot unfreeze --service ${ops.service} --reason "${signal.reason}"`);
  const at = ops.clock.now();
  try {
    const result = await unfreeze(ops.freezes, ops.service, { by: signal.by, reason: signal.reason }, at);
    world.note('unfreeze', result.message);
    return result;
  } catch (error) {
    const message = `failed: ${describeError(error)}`;
    world.note('unfreeze', message);
    const failed = { at: at.toISOString(), type: 'unfreeze', by: signal.by, reason: signal.reason };
    ops.failedSignals.push({ ...failed, accepted: false, result: message });
    return { lifted: false, message };
  }
}
