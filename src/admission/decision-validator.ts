// The validating webhook (SPEC §7): who may create and who may decide, no self-approval, votes
// only in the voter's own name, append-only decisions, frozen content, System/Expire reserved to
// the operator, and a spec.state the votes justify. Every refusal names the rule and the user.
import { isDeepStrictEqual } from 'node:util';
import type { ApprovalPolicy, ApprovalRequest } from '../api/types.ts';
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import { SYSTEM_DECIDER, grantsWithoutVotes } from '../engine/index.ts';
import type { AdmissionRequest, UserInfo } from './admission-review.ts';
import type { DeciderAuthorizer } from './decider-authorizer.ts';
import { evaluateSubject, readSubject, startsWith, type AdmissionSubject } from './subject.ts';

export interface ValidationContext {
  operatorUsername: string;
  policies: () => ApprovalPolicy[];
  authorizer: DeciderAuthorizer;
}

const FROZEN_FIELDS = ['strategy', 'stages', 'requester', 'decider', 'target', 'action', 'approvedRequest'] as const;

/** Resolves with the refusal message, or undefined when the change is allowed. */
export async function validateSubject(request: AdmissionRequest, context: ValidationContext): Promise<string | undefined> {
  if (request.subResource) return undefined;
  const user = request.userInfo;
  if (user.username === context.operatorUsername) return undefined;
  const subject = readSubject(request);
  if (request.operation === 'CREATE') return validateCreate(subject, user, context);
  if (request.operation === 'UPDATE') return validateUpdate(subject, user, context);
  return undefined;
}

async function validateCreate(subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<string | undefined> {
  if (subject.kind !== 'ApprovalRequest') return undefined;
  if (subject.newDecisions.length > 0) {
    return `user "${user.username}" cannot create ${subject.label} with decisions: deciders append their votes after it is created`;
  }
  const { resolution } = evaluateSubject(subject, context.policies(), []);
  const grantsAtOnce = resolution.strategy === 'Auto' || grantsWithoutVotes(resolution.strategy, resolution.stages);
  if (!grantsAtOnce || resolution.trusted) return undefined;
  const namespace = subject.object.metadata.namespace ?? '';
  if (await context.authorizer.rbacAllows(user, 'autoapprove', 'approvalrequests', namespace)) return undefined;
  const team = (subject.object as ApprovalRequest).spec.requester?.teamName;
  return `user "${user.username}" may not create ${subject.label}: strategy Auto needs the RBAC verb "autoapprove" on approvalrequests in namespace "${namespace}", or a policy that trusts team "${team}"`;
}

async function validateUpdate(subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<string | undefined> {
  const who = `user "${user.username}"`;
  const oldAnnotation = subject.old?.metadata.annotations?.[REQUESTED_BY_ANNOTATION];
  if (oldAnnotation !== undefined && subject.object.metadata.annotations?.[REQUESTED_BY_ANNOTATION] !== oldAnnotation) {
    return `${who} cannot change the annotation ${REQUESTED_BY_ANNOTATION} of ${subject.label}: it records the creator`;
  }
  if (!startsWith(subject.newDecisions, subject.oldDecisions)) {
    return `${who} cannot edit or remove past decisions of ${subject.label}: decisions are append-only`;
  }
  const appended = subject.newDecisions.slice(subject.oldDecisions.length);
  const changed = FROZEN_FIELDS.filter((field) => !isDeepStrictEqual(fieldOf(subject.old, field), fieldOf(subject.object, field)));
  if (changed.length > 0 && subject.oldDecisions.length > 0) {
    return `${who} cannot change spec.${changed[0]} of ${subject.label}: it is frozen once there are decisions`;
  }
  if (changed.length > 0 && appended.length > 0) {
    return `${who} cannot change spec.${changed[0]} of ${subject.label} while deciding: a decision changes only state and decisions`;
  }
  if (changed.length > 0 && subject.requestedBy !== undefined && subject.requestedBy !== user.username) {
    return `${who} cannot change spec.${changed[0]} of ${subject.label}: only its creator "${subject.requestedBy}" can edit it`;
  }
  const policies = context.policies();
  if (appended.length > 0) {
    const refusal = await validateVotes(subject, user, appended, policies, context);
    if (refusal) return refusal;
  }
  const derived = evaluateSubject(subject, policies, subject.newDecisions).evaluation.state;
  if (subject.object.spec.state !== derived) {
    return `${who} cannot set spec.state of ${subject.label} to "${subject.object.spec.state}": the decisions give "${derived}"; append a decision instead`;
  }
  return undefined;
}

async function validateVotes(
  subject: AdmissionSubject,
  user: UserInfo,
  appended: AdmissionSubject['newDecisions'],
  policies: ApprovalPolicy[],
  context: ValidationContext,
): Promise<string | undefined> {
  const who = `user "${user.username}"`;
  for (const vote of appended) {
    if (vote.name === SYSTEM_DECIDER || vote.resultingState === 'Expired') {
      return `${who} cannot record a ${vote.name === SYSTEM_DECIDER ? 'System decision' : 'Expire'} on ${subject.label}: only the operator can`;
    }
    if (vote.name !== user.username) {
      return `decision name "${vote.name}" on ${subject.label} does not match the authenticated user "${user.username}"`;
    }
  }
  if (subject.requestedBy === user.username) {
    return `${who} created ${subject.label} and cannot decide it`;
  }
  const evaluation = evaluateSubject(subject, policies, subject.newDecisions);
  const verdict = await context.authorizer.mayDecide(user, {
    resource: subject.resource,
    namespace: subject.object.metadata.namespace ?? '',
    name: subject.object.metadata.name,
    deciderTeam: subject.object.spec.decider?.teamName,
    policy: evaluation.resolution.policy,
  });
  if (!verdict.allowed) return `${who} may not decide ${subject.label}: ${verdict.detail}`;
  const firstNew = subject.oldDecisions.length - evaluation.history.length;
  const ignored = evaluation.evaluation.ignored.find((entry) => entry.index >= firstNew);
  if (ignored) return `vote of ${who} on ${subject.label} refused: ${ignored.reason}`;
  return undefined;
}

function fieldOf(object: AdmissionSubject['object'] | undefined, field: (typeof FROZEN_FIELDS)[number]): unknown {
  return (object?.spec as Record<string, unknown> | undefined)?.[field];
}
