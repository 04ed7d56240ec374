// The mutating webhook (SPEC §5.2, §7): stamps the creator, fills each new decision's name and
// server timestamp, rewrites its resultingState to what it actually produces, drops a repeated
// vote, and sets spec.state from the votes — all in the same write, inside the API server's
// optimistic-concurrency loop, so two simultaneous approvals can never both see "quorum − 1".
import type { ApprovalPolicy, DecisionEntry } from '../api/types.ts';
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import { pointerSegment, type AdmissionRequest, type JsonPatchOperation } from './admission-review.ts';
import { evaluateSubject, isRepeatVote, readSubject, startsWith, type AdmissionSubject } from './subject.ts';
import { apiTime } from '../runtime/time.ts';

export interface MutationContext {
  operatorUsername: string;
  policies: () => ApprovalPolicy[];
  now: () => Date;
}


export function mutateSubject(request: AdmissionRequest, context: MutationContext): JsonPatchOperation[] {
  if (request.subResource) return [];
  const subject = readSubject(request);
  const isOperator = request.userInfo.username === context.operatorUsername;
  if (request.operation === 'CREATE') return creationPatch(subject, request.userInfo.username, isOperator, context);
  if (request.operation !== 'UPDATE' || isOperator) return [];
  return votePatch(subject, request.userInfo.username, context);
}

function creationPatch(subject: AdmissionSubject, username: string, isOperator: boolean, context: MutationContext): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  const annotations = subject.object.metadata.annotations;
  // The operator creates Approvals carrying their request's creator; everyone else is the creator.
  if (!(isOperator && annotations?.[REQUESTED_BY_ANNOTATION])) {
    ops.push(
      annotations
        ? { op: 'add', path: `/metadata/annotations/${pointerSegment(REQUESTED_BY_ANNOTATION)}`, value: username }
        : { op: 'add', path: '/metadata/annotations', value: { [REQUESTED_BY_ANNOTATION]: username } },
    );
  }
  if (subject.kind === 'ApprovalRequest' && !isOperator) {
    const derived = evaluateSubject(subject, context.policies(), subject.newDecisions).evaluation.state;
    if (derived !== subject.object.spec.state) ops.push({ op: 'replace', path: '/spec/state', value: derived });
  }
  return ops;
}

function votePatch(subject: AdmissionSubject, username: string, context: MutationContext): JsonPatchOperation[] {
  // Edits of past decisions are left for the validating webhook to refuse.
  if (!startsWith(subject.newDecisions, subject.oldDecisions)) return [];
  const appended = subject.newDecisions.slice(subject.oldDecisions.length);
  if (appended.length === 0) return [];
  const policies = context.policies();
  const timestamp = apiTime(context.now());
  const kept: DecisionEntry[] = [...subject.oldDecisions];
  for (const decision of appended) {
    const vote = { ...decision, name: decision.name || username, timestamp };
    const before = evaluateSubject(subject, policies, kept);
    const after = evaluateSubject(subject, policies, [...kept, vote]);
    if (isRepeatVote(before, after, kept, vote)) continue;
    const produced = after.evaluation.decisions.at(-1)?.resultingState ?? vote.resultingState;
    kept.push({ ...vote, resultingState: produced } as DecisionEntry);
  }
  const state = evaluateSubject(subject, policies, kept).evaluation.state;
  return [
    { op: 'replace', path: '/spec/decisions', value: kept },
    { op: 'replace', path: '/spec/state', value: state },
  ];
}
