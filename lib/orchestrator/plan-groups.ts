import type { Plan } from '../../functions/core/plan';

/** `values` without repeats, in first-seen order. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The plans by `key`, in first-seen order; plans whose key is `undefined` are left out. */
export function groupPlans<K>(plans: readonly Plan[], key: (plan: Plan) => K | undefined): Map<K, Plan[]> {
  const groups = new Map<K, Plan[]>();
  for (const plan of plans) {
    const k = key(plan);
    if (k !== undefined) groups.set(k, [...(groups.get(k) ?? []), plan]);
  }
  return groups;
}

/** The services of `plans`, in order. */
export function servicesOf(plans: readonly Plan[]): string[] {
  return plans.map((plan) => plan.service);
}

/** `plan orders-api` or `plans orders-api, payments-api`. */
export function plansNamed(services: readonly string[]): string {
  return `${services.length === 1 ? 'plan' : 'plans'} ${services.join(', ')}`;
}
