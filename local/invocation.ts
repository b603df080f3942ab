import { AsyncLocalStorage } from 'node:async_hooks';
import type { FunctionName } from './steps';

/**
 * Which deployed function the simulator is running right now, so that every AWS call it makes is recorded with
 * its caller (the IAM tests check each call against the caller's role), and so that a simulated crash can end the
 * invocation: once a function has "died", every further call it tries fails, as nothing runs in a dead process.
 */
export interface InvocationContext {
  functionName: FunctionName;
  /** Set when a crash fault fired: the operation that succeeded just before the function died. */
  crashedAfter?: string;
}

const storage = new AsyncLocalStorage<InvocationContext>();

/** Run `work` as an invocation of `functionName`. */
export function asInvocation<T>(
  functionName: FunctionName,
  work: (context: InvocationContext) => Promise<T>,
): Promise<T> {
  const context: InvocationContext = { functionName };
  return storage.run(context, () => work(context));
}

/** The function the current call is made by, or undefined (the simulator's own bookkeeping, a test). */
export function currentInvocation(): InvocationContext | undefined {
  return storage.getStore();
}

/** The error a call of a dead invocation fails with, and what the invocation reports once it is over. */
export class SimulatedCrash extends Error {
  override readonly name = 'Runtime.ExitError';
  constructor(readonly operation: string) {
    super(
      `the function died right after ${operation} succeeded (simulated crash): Runtime exited without providing a reason`,
    );
  }
}
