// What a single write may carry, checked before any evaluation so that the webhooks' cost stays
// linear in the object. The schema bounds the object as a whole (decisions ≤ 1000, string
// lengths, 64 property keys); these bounds need the old object or the writer, which it cannot see.
import type { ApprovalRequest, DecisionEntry } from '../api/types.ts';
import { userLabel, type UserInfo } from '../authorization/identity.ts';
import { SYSTEM_DECIDER } from '../engine/index.ts';
import type { AdmissionSubject } from './subject.ts';

/** A person files one vote at a time; a few per write leaves room for clients that batch. */
export const MAX_DECISIONS_PER_WRITE = 10;
/**
 * Decisions one person may have on one object. Alternating approve and reject starts a new round
 * each time, so a cap per round alone would not stop one person from filling the list for others.
 */
export const MAX_DECISIONS_PER_PERSON = 50;
/** Serialized size of `requester.properties`: they are shown to deciders and copied into mails. */
export const MAX_PROPERTIES_BYTES = 32 * 1024;

/** Why this write is too large to consider, or undefined. Writes by the operator are not bounded. */
export function oversize(subject: AdmissionSubject, user: UserInfo): string | undefined {
  const who = userLabel(user);
  const appended = subject.newDecisions.length - subject.oldDecisions.length;
  if (appended > MAX_DECISIONS_PER_WRITE) {
    return `${who} cannot add ${appended} decisions to ${subject.label} in one write: at most ${MAX_DECISIONS_PER_WRITE} (rule: input bounds)`;
  }
  const crowded = crowdedVoter(subject, user);
  if (crowded) {
    return `${who} cannot add a decision to ${subject.label}: "${crowded}" already has the ${MAX_DECISIONS_PER_PERSON} decisions one person may have on it (rule: input bounds)`;
  }
  const properties = (subject.object as ApprovalRequest).spec?.requester?.properties;
  const size = properties === undefined ? 0 : Buffer.byteLength(JSON.stringify(properties));
  if (size > MAX_PROPERTIES_BYTES) {
    return `${who} cannot write ${subject.label}: spec.requester.properties is ${size} bytes, at most ${MAX_PROPERTIES_BYTES} (rule: input bounds)`;
  }
  return undefined;
}

/** A person this write adds a decision for who then has more than the cap (empty names are the writer's). */
function crowdedVoter(subject: AdmissionSubject, user: UserInfo): string | undefined {
  const nameOf = (decision: DecisionEntry) => decision.name || user.username;
  const added = new Set(subject.newDecisions.slice(subject.oldDecisions.length).map(nameOf));
  added.delete(SYSTEM_DECIDER);
  if (added.size === 0) return undefined;
  const counts = new Map<string, number>();
  for (const decision of subject.newDecisions) {
    const name = nameOf(decision);
    if (added.has(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].find(([, count]) => count > MAX_DECISIONS_PER_PERSON)?.[0];
}
