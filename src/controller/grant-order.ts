// Which of two granted requests for the same target is the newer one. The Approval keeps the
// content of the newest grant: a newer request replaces it, an older one leaves it alone. Both
// sides are read from stored data only, so every replica and every resync gives the same answer.
import type { Approval, ApprovalRequest, DecisionEntry } from '../api/types.ts';
import { BASELINE_ANNOTATION } from '../api/resources.ts';
import { parseBaseline } from '../evaluation/baseline.ts';

/** A grant: when it was given (ms since the epoch; -Infinity when unknown) and by which request. */
export interface Grant {
  grantedAt: number;
  name: string;
  uid: string;
}

const parseTime = (value: string | undefined): number => {
  const at = Date.parse(value ?? '');
  return Number.isNaN(at) ? Number.NEGATIVE_INFINITY : at;
};

/** The first known time, so a missing decision timestamp falls back to the object's creation. */
const firstKnown = (...times: number[]): number => times.find((t) => t !== Number.NEGATIVE_INFINITY) ?? Number.NEGATIVE_INFINITY;

/** Granted is final for a request, so its last decision is the one that granted it. */
export function grantOfRequest(request: ApprovalRequest): Grant {
  const last: DecisionEntry | undefined = request.spec.decisions?.at(-1);
  return {
    grantedAt: firstKnown(parseTime(last?.timestamp), parseTime(request.metadata.creationTimestamp)),
    name: request.metadata.name,
    uid: request.metadata.uid ?? '',
  };
}

/**
 * The grant an Approval carries. Its baseline `Granted/<n>` says the first n decisions came from
 * the request, so decision n-1 granted it; later decisions (suspend, resume) are the Approval's own
 * and do not make the grant newer. Without such a baseline the Approval's creation stands in.
 */
export function grantCarriedBy(approval: Approval): Grant {
  const baseline = parseBaseline(approval.metadata.annotations?.[BASELINE_ANNOTATION]);
  const granting = baseline?.state === 'Granted' && baseline.count > 0 ? approval.spec.decisions?.[baseline.count - 1] : undefined;
  return {
    grantedAt: firstKnown(parseTime(granting?.timestamp), parseTime(approval.metadata.creationTimestamp)),
    name: approval.spec.approvedRequest?.name ?? '',
    uid: approval.spec.approvedRequest?.uid ?? '',
  };
}

const compare = <T extends number | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A total order on grants: by grant time, then request name, then uid. Timestamps have second
 * precision, so two grants in the same second are ordered by name; code-unit order, not the
 * locale's, so it is the same everywhere.
 */
export function compareGrants(a: Grant, b: Grant): number {
  return compare(a.grantedAt, b.grantedAt) || compare(a.name, b.name) || compare(a.uid, b.uid);
}

/** Only a strictly newer grant replaces the Approval's content. */
export function isNewerGrant(request: ApprovalRequest, approval: Approval): boolean {
  return compareGrants(grantOfRequest(request), grantCarriedBy(approval)) > 0;
}
