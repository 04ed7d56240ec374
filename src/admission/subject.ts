// What both webhooks need to know about the object under admission.
import { isDeepStrictEqual } from 'node:util';
import type { Approval, ApprovalRequest, DecisionEntry } from '../api/types.ts';
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import { evaluateApproval, evaluateRequest, type EvaluationSettings, type SubjectEvaluation } from '../evaluation/subject-evaluation.ts';
import type { AdmissionRequest } from './admission-review.ts';

export type Subject = ApprovalRequest | Approval;

export interface AdmissionSubject {
  operation: 'CREATE' | 'UPDATE';
  kind: 'ApprovalRequest' | 'Approval';
  resource: 'approvalrequests' | 'approvals';
  object: Subject;
  old: Subject | undefined;
  label: string;
  oldDecisions: DecisionEntry[];
  newDecisions: DecisionEntry[];
  requestedBy: string | undefined;
}

export function readSubject(request: AdmissionRequest): AdmissionSubject {
  const object = request.object as Subject;
  const old = request.oldObject as Subject | undefined;
  const kind = request.kind.kind === 'Approval' ? 'Approval' : 'ApprovalRequest';
  return {
    operation: request.operation === 'CREATE' ? 'CREATE' : 'UPDATE',
    kind,
    resource: kind === 'Approval' ? 'approvals' : 'approvalrequests',
    object,
    old,
    label: `${kind.toLowerCase()} ${object.metadata.namespace ?? request.namespace}/${object.metadata.name ?? request.name}`,
    oldDecisions: old?.spec.decisions ?? [],
    newDecisions: object.spec.decisions ?? [],
    requestedBy: (old ?? object).metadata.annotations?.[REQUESTED_BY_ANNOTATION],
  };
}

/** True when `list` starts with every entry of `prefix`, unchanged. */
export function startsWith(list: DecisionEntry[], prefix: DecisionEntry[]): boolean {
  return prefix.length <= list.length && prefix.every((decision, i) => isDeepStrictEqual(decision, list[i]));
}

/** The subject's evaluation with `decisions`; an Approval never reconciled starts where it stood. */
export function evaluateSubject(subject: AdmissionSubject, settings: EvaluationSettings, decisions: DecisionEntry[]): SubjectEvaluation {
  if (subject.kind === 'ApprovalRequest') return evaluateRequest(subject.object as ApprovalRequest, settings, decisions);
  const reference = subject.old ?? subject.object;
  const fallback = { state: reference.spec.state ?? 'Pending', count: reference.spec.decisions?.length ?? 0 };
  // Counted from the stored baseline: a write cannot move where its own votes start counting.
  const counted = { ...subject.object, metadata: { ...subject.object.metadata, annotations: reference.metadata.annotations } } as Approval;
  return evaluateApproval(counted, settings, fallback, decisions) as SubjectEvaluation;
}

const direction = (state: string) => (state === 'Granted' || state === 'Semigranted' ? 'approve' : state);

/** The same person voting the same way again, changing nothing: accepted, recorded once. */
export function isRepeatVote(before: SubjectEvaluation, after: SubjectEvaluation, earlier: DecisionEntry[], vote: DecisionEntry): boolean {
  const unchanged =
    before.evaluation.state === after.evaluation.state &&
    isDeepStrictEqual(before.evaluation.stages, after.evaluation.stages) &&
    before.evaluation.ignored.length === after.evaluation.ignored.length;
  return unchanged && earlier.some((d) => d.name === vote.name && direction(d.resultingState) === direction(vote.resultingState));
}
