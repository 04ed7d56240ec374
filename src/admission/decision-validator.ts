// The validating webhook: the authorization model applied to one write. Who may file for a team,
// who may grant without a vote (autoapprove), who owns which field (the field-ownership table),
// votes only in the voter's own name unless delegated, no self-approval, who may decide, and a
// spec.state the votes justify. Writes by the operator's own identity are not checked. Every
// refusal names the user and the rule.
import type { ApprovalPolicy, ApprovalRequest, DecisionEntry } from '../api/types.ts';
import { OPERATOR_ANNOTATION_PREFIX, REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import type { AccessReview } from '../authorization/access-review.ts';
import { mayDecide } from '../authorization/decider-eligibility.ts';
import { APPROVAL_FIELDS, OWNER_RULES, REQUEST_FIELDS, changedFields, type FieldChange } from '../authorization/field-ownership.ts';
import { userLabel, type UserInfo } from '../authorization/identity.ts';
import { SIGNING_SECRET_RULE, maySignWith } from '../authorization/secret-use.ts';
import { mayFileFor } from '../authorization/team-authority.ts';
import { AUTOAPPROVE, DELEGATE } from '../authorization/verbs.ts';
import { SYSTEM_DECIDER, grantsWithoutVotes } from '../engine/index.ts';
import { evaluateSubject, startsWith, type AdmissionSubject } from './subject.ts';

export interface ValidationContext {
  operatorUsername: string;
  policies: () => ApprovalPolicy[];
  access: AccessReview;
  teamGroupPrefix: string;
}

type Refusal = string | undefined;

/**
 * Resolves with the refusal message, or undefined when the change is allowed (the subject passed
 * screening: schema-valid, within bounds).
 */
export async function validateSubject(subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<Refusal> {
  if (user.username === context.operatorUsername) return undefined;
  const incomplete = notCompleted(subject, user);
  if (incomplete) return incomplete;
  if (subject.operation === 'CREATE') return validateCreate(subject, user, context);
  return validateUpdate(subject, user, context);
}

/**
 * The mutating webhook stamps the creator and each new decision's writer. Should it ever have
 * passed a write through (its schema check disagreeing with the API server's), the write is
 * refused here rather than judged without them.
 */
function notCompleted(subject: AdmissionSubject, user: UserInfo): Refusal {
  const refusal = `${userLabel(user)} cannot write ${subject.label}: the mutating admission webhook did not complete it (rule: identity)`;
  if (subject.operation === 'CREATE' && subject.object.metadata.annotations?.[REQUESTED_BY_ANNOTATION] !== user.username) return refusal;
  const appended = subject.newDecisions.slice(startsWith(subject.newDecisions, subject.oldDecisions) ? subject.oldDecisions.length : subject.newDecisions.length);
  return appended.every((decision) => decision.actor === user.username) ? undefined : refusal;
}

const settingsOf = (context: ValidationContext) => ({ policies: context.policies(), teamGroupPrefix: context.teamGroupPrefix });
const namespaceOf = (subject: AdmissionSubject) => subject.object.metadata.namespace ?? '';

function hasVerb(user: UserInfo, verb: string, subject: AdmissionSubject, context: ValidationContext, name?: string): Promise<boolean> {
  return context.access(user, { verb, resource: subject.resource, namespace: namespaceOf(subject), name });
}

async function validateCreate(subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<Refusal> {
  const who = userLabel(user);
  const annotation = Object.keys(subject.object.metadata.annotations ?? {}).find((key) => key.startsWith(OPERATOR_ANNOTATION_PREFIX) && key !== REQUESTED_BY_ANNOTATION);
  if (annotation) return `${who} cannot set the annotation ${annotation} on ${subject.label}: annotations under ${OPERATOR_ANNOTATION_PREFIX} are ${OWNER_RULES.operator} (rule: field ownership)`;
  if (subject.kind === 'Approval') return validateApprovalCreate(subject, user, context);
  const request = subject.object as ApprovalRequest;
  const team = request.spec.requester?.teamName ?? '';
  const filing = await mayFileFor(user, { team, namespace: namespaceOf(subject), teamGroupPrefix: context.teamGroupPrefix }, context.access);
  if (!filing.allowed) return `${who} may not file ${subject.label} for team "${team}": ${filing.detail} (rule: filing for a team is an authority)`;
  // The callback cannot change after creation, so this is the one place to check its Secret.
  const secretRef = request.spec.callback?.secretRef;
  const signing = await maySignWith(user, secretRef, namespaceOf(subject), context.access);
  if (!signing.allowed) {
    return `${who} may not create ${subject.label} with spec.callback.secretRef "${secretRef?.name}": ${signing.detail} (rule: ${SIGNING_SECRET_RULE})`;
  }
  const votes = subject.newDecisions.filter((decision) => decision.name !== SYSTEM_DECIDER || decision.resultingState !== 'Granted');
  if (votes.length > 0) {
    return `${who} cannot create ${subject.label} with the decision of "${votes[0]?.name}": deciders append their votes after it is created; only a System grant may come with it (rule: decisions are votes of authenticated people)`;
  }
  const { resolution } = evaluateSubject(subject, settingsOf(context), []);
  const withoutVote = grantWithoutVote(resolution, subject.newDecisions.length > 0);
  if (!withoutVote || (await hasVerb(user, AUTOAPPROVE, subject, context))) return undefined;
  return `${who} may not create ${subject.label}: ${withoutVote} grants without a person's vote, which needs the RBAC verb "${AUTOAPPROVE}" on approvalrequests in namespace "${namespaceOf(subject)}" (rule: autoapprove)`;
}

/** Why a request would be granted without a person's vote, or undefined when it waits for votes. */
function grantWithoutVote(resolution: ReturnType<typeof evaluateSubject>['resolution'], systemDecision: boolean): string | undefined {
  if (systemDecision) return 'a System decision';
  if (resolution.trusted) return `a team trusted by policy "${resolution.policy?.metadata.name}"`;
  if (resolution.strategy === 'Auto') return 'strategy Auto';
  if (grantsWithoutVotes(resolution.strategy, resolution.stages)) return 'a stage set that approves itself (outcomeIfNoApprovers: Approve)';
  return undefined;
}

async function validateApprovalCreate(subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<Refusal> {
  // A hand-written Approval (seed-003 style) is a grant no vote produced.
  if (await hasVerb(user, AUTOAPPROVE, subject, context)) return undefined;
  return `${userLabel(user)} may not create ${subject.label}: an Approval is a grant; the operator issues it from a granted request, and anyone else needs the RBAC verb "${AUTOAPPROVE}" on approvals in namespace "${namespaceOf(subject)}" (rule: autoapprove)`;
}

async function validateUpdate(subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<Refusal> {
  const table = subject.kind === 'Approval' ? APPROVAL_FIELDS : REQUEST_FIELDS;
  for (const change of changedFields(table, subject.old, subject.object)) {
    const refusal = await checkOwnership(change, subject, user, context);
    if (refusal) return refusal;
  }
  const who = userLabel(user);
  if (!startsWith(subject.newDecisions, subject.oldDecisions)) {
    return `${who} cannot edit or remove past decisions of ${subject.label}: ${OWNER_RULES.decider} (rule: field ownership)`;
  }
  const appended = subject.newDecisions.slice(subject.oldDecisions.length);
  if (appended.length > 0) {
    const refusal = await validateVotes(subject, user, appended, context);
    if (refusal) return refusal;
  }
  const derived = evaluateSubject(subject, settingsOf(context), subject.newDecisions).evaluation.state;
  if (subject.object.spec.state !== derived) {
    return `${who} cannot set spec.state of ${subject.label} to "${subject.object.spec.state}": the decisions give "${derived}"; append a decision instead (rule: the state follows the votes)`;
  }
  return undefined;
}

async function checkOwnership(change: FieldChange, subject: AdmissionSubject, user: UserInfo, context: ValidationContext): Promise<Refusal> {
  const refusal = `${userLabel(user)} cannot change ${change.field} of ${subject.label}: it is ${OWNER_RULES[change.owner]} (rule: field ownership)`;
  switch (change.owner) {
    case 'decider':
      return undefined;
    case 'operator':
    case 'fixed':
      return refusal;
    case 'autoapprove':
      return (await hasVerb(user, AUTOAPPROVE, subject, context)) ? undefined : refusal;
    case 'requester': {
      if (subject.requestedBy === user.username) return undefined;
      const team = (subject.object as ApprovalRequest).spec.requester?.teamName ?? '';
      const filing = await mayFileFor(user, { team, namespace: namespaceOf(subject), teamGroupPrefix: context.teamGroupPrefix }, context.access);
      return filing.allowed ? undefined : `${refusal}; ${user.username} neither created it nor may file for team "${team}" (${filing.detail})`;
    }
  }
}

async function validateVotes(subject: AdmissionSubject, user: UserInfo, appended: DecisionEntry[], context: ValidationContext): Promise<Refusal> {
  const settings = settingsOf(context);
  const evaluation = evaluateSubject(subject, settings, subject.newDecisions);
  for (const vote of appended) {
    const refusal = await validateVote(subject, user, vote, evaluation.resolution, context);
    if (refusal) return refusal;
  }
  const firstNew = subject.oldDecisions.length - evaluation.history.length;
  const ignored = evaluation.evaluation.ignored.find((entry) => entry.index >= firstNew);
  if (ignored) return `vote of ${userLabel(user)} on ${subject.label} refused: ${ignored.reason} (rule: the transition table)`;
  return undefined;
}

async function validateVote(
  subject: AdmissionSubject,
  user: UserInfo,
  vote: DecisionEntry,
  resolution: ReturnType<typeof evaluateSubject>['resolution'],
  context: ValidationContext,
): Promise<Refusal> {
  const who = userLabel(user);
  if (vote.resultingState === 'Expired') return `${who} cannot record an Expire on ${subject.label}: expiry is the operator's, driven by its clock (rule: operator-only transitions)`;
  if (vote.name === SYSTEM_DECIDER) return validateSystemDecision(subject, user, vote, context);
  const delegated = vote.name !== user.username;
  if (delegated && !(await hasVerb(user, DELEGATE, subject, context, subject.object.metadata.name))) {
    return `decision name "${vote.name}" on ${subject.label} does not match the authenticated user "${user.username}": votes are cast in one's own name; recording another person's decision needs the RBAC verb "${DELEGATE}" (rule: identity)`;
  }
  const voter: UserInfo = delegated ? { username: vote.name, groups: vote.groups } : user;
  const as = delegated ? `${userLabel(voter)} (recorded by delegate "${user.username}")` : who;
  if (subject.requestedBy === vote.name) return `${as} created ${subject.label} and cannot decide it (rule: no self-approval)`;
  const verdict = await mayDecide(
    voter,
    {
      resource: subject.resource,
      namespace: namespaceOf(subject),
      name: subject.object.metadata.name,
      deciderTeam: subject.object.spec.decider?.teamName,
      policy: resolution.policy,
      stages: resolution.stages,
      teamGroupPrefix: context.teamGroupPrefix,
    },
    context.access,
  );
  return verdict.allowed ? undefined : `${as} may not decide ${subject.label}: ${verdict.detail} (rule: who may decide)`;
}

async function validateSystemDecision(subject: AdmissionSubject, user: UserInfo, vote: DecisionEntry, context: ValidationContext): Promise<Refusal> {
  const who = userLabel(user);
  if (vote.resultingState !== 'Granted') {
    return `${who} cannot record a System decision to ${vote.resultingState} on ${subject.label}: a client's System decision only grants (rule: autoapprove)`;
  }
  if (await hasVerb(user, AUTOAPPROVE, subject, context)) return undefined;
  return `${who} cannot record a System decision on ${subject.label}: it grants without a person's vote, which needs the RBAC verb "${AUTOAPPROVE}" on ${subject.resource} in namespace "${namespaceOf(subject)}" (rule: autoapprove)`;
}
