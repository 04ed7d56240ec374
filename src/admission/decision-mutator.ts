// The mutating webhook: stamps the creator, completes each new decision (name, server timestamp,
// the authenticated writer as actor, the voter's stage groups), rewrites its resultingState to
// what it actually produces, drops a person's repeated vote, and sets spec.state from the votes —
// all in the same write, inside the API server's optimistic-concurrency loop, so two simultaneous
// approvals can never both see "quorum − 1". It never refuses: the validating webhook does.
import type { ApprovalPolicy, DecisionEntry } from '../api/types.ts';
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import type { UserInfo } from '../authorization/identity.ts';
import { capturedGroups } from '../authorization/voter-groups.ts';
import { SYSTEM_DECIDER, type StageSpec } from '../engine/index.ts';
import { finalizerPatch } from '../controller/finalizer.ts';
import { pointerSegment } from '../runtime/json-pointer.ts';
import type { JsonPatchOperation } from './admission-review.ts';
import { evaluateSubject, isRepeatVote, startsWith, type AdmissionSubject } from './subject.ts';
import { apiTime } from '../runtime/time.ts';

export interface MutationContext {
  operatorUsername: string;
  policies: () => ApprovalPolicy[];
  teamGroupPrefix: string;
  now: () => Date;
}

/** The patch that completes this write (the subject passed screening: schema-valid, within bounds). */
export function mutateSubject(subject: AdmissionSubject, user: UserInfo, context: MutationContext): JsonPatchOperation[] {
  const isOperator = user.username === context.operatorUsername;
  if (subject.operation === 'CREATE') return creationPatch(subject, user, isOperator, context);
  return votePatch(subject, user, isOperator, context);
}

function creationPatch(subject: AdmissionSubject, user: UserInfo, isOperator: boolean, context: MutationContext): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  const annotations = subject.object.metadata.annotations;
  // The operator creates Approvals carrying their request's creator; everyone else is the creator.
  if (!(isOperator && annotations?.[REQUESTED_BY_ANNOTATION])) {
    ops.push(
      annotations
        ? { op: 'add', path: `/metadata/annotations/${pointerSegment(REQUESTED_BY_ANNOTATION)}`, value: user.username }
        : { op: 'add', path: '/metadata/annotations', value: { [REQUESTED_BY_ANNOTATION]: user.username } },
    );
  }
  if (subject.kind !== 'ApprovalRequest' || isOperator) return ops;
  // Decisions filed with the request (a client's System grant) are completed like appended ones.
  const decisions = completeDecisions(subject, [], subject.newDecisions, user, context);
  const derived = evaluateSubject(subject, settingsOf(context), decisions).evaluation.state;
  if (decisions.length > 0) ops.push({ op: 'replace', path: '/spec/decisions', value: decisions });
  if (derived !== subject.object.spec.state) ops.push({ op: 'replace', path: '/spec/state', value: derived });
  // The withdrawal finalizer rides in the create of an open request: no write of its own (ADR 0006).
  ops.push(...finalizerPatch(subject.object, derived));
  return ops;
}

function votePatch(subject: AdmissionSubject, user: UserInfo, isOperator: boolean, context: MutationContext): JsonPatchOperation[] {
  // Edits of past decisions are left for the validating webhook to refuse.
  if (!startsWith(subject.newDecisions, subject.oldDecisions)) return [];
  const appended = subject.newDecisions.slice(subject.oldDecisions.length);
  if (appended.length === 0) return [];
  // The operator's own System and Expire decisions are only stamped with it as their writer.
  if (isOperator) {
    const stamped = appended.map((decision) => ({ ...decision, actor: decision.actor ?? user.username }));
    return [{ op: 'replace', path: '/spec/decisions', value: [...subject.oldDecisions, ...stamped] }];
  }
  const kept = completeDecisions(subject, subject.oldDecisions, appended, user, context);
  const state = evaluateSubject(subject, settingsOf(context), kept).evaluation.state;
  return [
    { op: 'replace', path: '/spec/decisions', value: kept },
    { op: 'replace', path: '/spec/state', value: state },
    // ... and leaves with the vote that settles it.
    ...(subject.kind === 'ApprovalRequest' ? finalizerPatch(subject.object, state) : []),
  ];
}

const settingsOf = (context: MutationContext) => ({ policies: context.policies(), teamGroupPrefix: context.teamGroupPrefix });

/** `earlier` followed by each of `added`, completed; a person's repeat of their own vote is dropped. */
function completeDecisions(subject: AdmissionSubject, earlier: DecisionEntry[], added: DecisionEntry[], user: UserInfo, context: MutationContext): DecisionEntry[] {
  const settings = settingsOf(context);
  const stages = evaluateSubject(subject, settings, earlier).resolution.stages;
  const timestamp = apiTime(context.now());
  const kept: DecisionEntry[] = [...earlier];
  for (const decision of added) {
    const name = decision.name || user.username;
    const vote = withGroups({ ...decision, name, timestamp, actor: user.username }, groupsOf(name, decision, user, stages, context.teamGroupPrefix));
    const before = evaluateSubject(subject, settings, kept);
    const after = evaluateSubject(subject, settings, [...kept, vote]);
    // Only the voter's own repeat is dropped: a vote in someone else's name is left for the validator.
    if (name === user.username && isRepeatVote(before, after, kept, vote)) continue;
    const produced = after.evaluation.decisions.at(-1)?.resultingState ?? vote.resultingState;
    kept.push({ ...vote, resultingState: produced } as DecisionEntry);
  }
  return kept;
}

/**
 * The stage groups to record: the writer's own when they vote for themselves; a delegate's
 * assertion for the person it names (its RBAC verb `delegate` is the authority for that); none
 * for System.
 */
function groupsOf(name: string, decision: DecisionEntry, user: UserInfo, stages: readonly StageSpec[], prefix: string): string[] | undefined {
  if (name === SYSTEM_DECIDER) return undefined;
  return capturedGroups(name === user.username ? user.groups : decision.groups, stages, prefix);
}

function withGroups(decision: DecisionEntry, groups: string[] | undefined): DecisionEntry {
  const { groups: _ignored, ...rest } = decision;
  return groups ? { ...rest, groups } : rest;
}
