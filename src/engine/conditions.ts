// The standard conditions (docs/api.md), so that `kubectl wait --for=condition=Approved` works.
import type { State } from './types.ts';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

type ConditionStatus = Pick<Condition, 'status' | 'reason'>;

export const CONDITION_TYPES = ['Approved', 'Processing', 'Ready'] as const;
type ConditionType = (typeof CONDITION_TYPES)[number];

const CONDITIONS_BY_STATE: Record<State, Record<ConditionType, ConditionStatus>> = {
  Pending: {
    Approved: { status: 'False', reason: 'Pending' },
    Processing: { status: 'True', reason: 'ApprovalPending' },
    Ready: { status: 'False', reason: 'Pending' },
  },
  Semigranted: {
    Approved: { status: 'False', reason: 'Semigranted' },
    Processing: { status: 'True', reason: 'Semigranted' },
    Ready: { status: 'False', reason: 'Semigranted' },
  },
  Granted: {
    Approved: { status: 'True', reason: 'Granted' },
    Processing: { status: 'False', reason: 'Done' },
    Ready: { status: 'True', reason: 'Granted' },
  },
  Rejected: finished('Rejected'),
  Suspended: finished('Suspended'),
  Expired: finished('Expired'),
};

function finished(reason: string): Record<ConditionType, ConditionStatus> {
  return {
    Approved: { status: 'False', reason },
    Processing: { status: 'False', reason: 'Done' },
    Ready: { status: 'False', reason },
  };
}

/**
 * The three conditions for `state`, in a fixed order. As with metav1.Condition, a condition keeps
 * its previous `lastTransitionTime` while its status stays the same; conditions of other types
 * (written by someone else) are kept, after ours.
 */
export function conditionsFor(
  state: State,
  message: string,
  observedGeneration: number | undefined,
  previous: Condition[] | undefined,
  now: string,
): Condition[] {
  const ours = CONDITION_TYPES.map((type) => {
    const { status, reason } = CONDITIONS_BY_STATE[state][type];
    const before = previous?.find((condition) => condition.type === type);
    const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : now;
    const condition: Condition = { type, status, reason, message, lastTransitionTime };
    if (observedGeneration !== undefined) condition.observedGeneration = observedGeneration;
    return condition;
  });
  const others = (previous ?? []).filter((condition) => !(CONDITION_TYPES as readonly string[]).includes(condition.type));
  return [...ours, ...others];
}
