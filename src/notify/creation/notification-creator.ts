// Creates the Notification objects: one per recipient of a state change (whom to tell is
// audience.ts's rule, passed in as `recipients`: one message per person per event), of a
// withdrawn request and of a reminder before an Approval expires. It returns their refs; the
// controller records them in status.notificationRefs with the rest of the status, in its one
// status write. Delivery is someone else's job
// (src/notify/delivery): a Notification here is only the durable record of what must be sent, to
// whom, through which channels.
//
// Idempotent: the controllers call stateChanged once per observed state change and again after a
// crash before their status write. Every Notification's name is a hash of the event it is about
// (ADR 0006: the subject's uid, the decision that caused the change, the states), so the second
// call finds the objects of the first (AlreadyExists) and returns the same refs.
import type { Logger } from 'pino';
import type { Approval, ApprovalRequest, Callback, Notification, NotificationChannel, ObjectRef } from '../../api/types.ts';
import {
  API_VERSION,
  NOTIFICATION_API_VERSION,
  PURPOSE_LABEL,
  SENDER_TYPE_LABEL,
  approvalRequestResource,
  approvalResource,
  notificationResource,
} from '../../api/resources.ts';
import { SYSTEM_DECIDER, type State } from '../../engine/index.ts';
import { isAlreadyExists, isNamespaceTerminating, isNotFound, type KubeClient } from '../../runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../runtime/resource.ts';
import type { Notifier, StateChange, WithdrawnRequest } from '../notifier.ts';
import { notificationName, notificationPurpose, purposeFor, type Recipient } from './naming.ts';
import { deliveryFor, deliversAnything, deciderOf, recipientsFor, requesterOf, teamsOf, type RecipientTeam, type Subject } from './recipients.ts';
import { daysRemaining } from './reminders.ts';

export type SubjectKind = StateChange['kind'];

/** What Notifier.withdrawn receives; `object` is the request being deleted. */
export type WithdrawnChange = WithdrawnRequest;

/** A state change; `occurrence` (the decisions up to the one that caused it) and `epoch` identify it. */
export type ObservedChange = StateChange;

export interface NotificationCreatorDeps {
  client: KubeClient;
  log: Logger;
  /** The subject from the informer cache; on a miss the creator reads it from the API server. */
  lookupSubject: (kind: SubjectKind, namespace: string, name: string) => ApprovalRequest | Approval | undefined;
  /** The NotificationChannels of one namespace (from the informer cache). */
  channels: (namespace: string) => NotificationChannel[];
  now?: () => Date;
}

/** The states after which an ApprovalRequest's callback is sent, with the callback's status. */
const CALLBACK_STATUS: Partial<Record<State, string>> = { Granted: 'approved', Rejected: 'rejected', Expired: 'expired' };

const toIso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const resourceOf = (kind: SubjectKind) => (kind === 'Approval' ? approvalResource : approvalRequestResource);

interface Draft {
  purpose: string;
  name: string;
  recipient: RecipientTeam;
  actor: string;
  properties: Record<string, unknown>;
  callback?: Callback;
}

export class NotificationCreator implements Notifier {
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly lookupSubject: NotificationCreatorDeps['lookupSubject'];
  private readonly channelsOf: NotificationCreatorDeps['channels'];
  private readonly now: () => Date;

  constructor(deps: NotificationCreatorDeps) {
    this.client = deps.client;
    this.log = deps.log;
    this.lookupSubject = deps.lookupSubject;
    this.channelsOf = deps.channels;
    this.now = deps.now ?? (() => new Date());
  }

  /** One Notification per recipient of the change; their refs, for the subject's status. */
  async stateChanged(change: ObservedChange): Promise<ObjectRef[]> {
    if (change.recipients?.length === 0) return [];
    const subject = await this.subject(change.kind, change.namespace, change.name, change.uid);
    if (!subject) return [];
    const occurrence = change.occurrence ?? subject.spec.decisions?.length ?? 0;
    const created = change.from === undefined;
    const callbackStatus = change.kind === 'ApprovalRequest' ? CALLBACK_STATUS[change.to] : undefined;
    const drafts: Draft[] = [];
    // A caller that names the change (occurrence) says when it was made; else the last decision does.
    const when = change.occurrence !== undefined ? { actorEmail: change.actorEmail, actionedAt: change.actionedAt } : undefined;
    const recipients = change.recipients ? teamsOf(subject, change.recipients) : recipientsFor(subject, change.to);
    for (const recipient of recipients) {
      const purpose = notificationPurpose(change.kind, change.action, created, recipient.role);
      const callback = recipient.role === 'requester' && callbackStatus ? (subject as ApprovalRequest).spec.callback : undefined;
      const properties = {
        ...this.baseProperties(change.kind, subject, recipient.role, created ? 'created' : 'updated', change.actor, change.comment, when),
        state_old: change.from,
        state_new: change.to,
        ...(change.approval ? { approval: { kind: 'Approval', namespace: change.approval.namespace, name: change.approval.name } } : {}),
        ...(callback ? { callback_status: callbackStatus } : {}),
      };
      drafts.push({
        purpose,
        recipient,
        actor: change.actor,
        properties,
        callback,
        // ADR 0006. The epoch is appended only when there is one, so request names are those of before.
        name: notificationName(purpose, subject.spec.target.name, [subject.metadata.uid, purpose, change.from ?? '', change.to, occurrence, ...(change.epoch ? [change.epoch] : [])]),
      });
    }
    return this.createAll(change.kind, subject, drafts, true);
  }

  /**
   * A pending request is being deleted: the decider is told (and the request's callback, if any,
   * is sent with status cancelled). The request goes away, so the Notification has no owner and
   * is not recorded in any status. Called by the request's reconciler before it releases its
   * finalizer; one notice per request uid, whoever calls and however often. Rejects when the
   * notice could not be made (the reconciler retries), except in a namespace that is being
   * deleted: nothing can be created there any more, so the decider is not told (logged).
   */
  async withdrawn(change: WithdrawnChange): Promise<void> {
    try {
      await this.createWithdrawn(change);
    } catch (err) {
      if (!isNamespaceTerminating(err)) throw err;
      this.log.warn({ request: `${change.namespace}/${change.name}` }, 'withdrawn request in a namespace being deleted: its decider is not notified');
    }
  }

  private async createWithdrawn(change: WithdrawnChange): Promise<void> {
    const subject = change.object ?? (await this.subject('ApprovalRequest', change.namespace, change.name, change.uid));
    if (!subject) {
      this.log.warn({ request: `${change.namespace}/${change.name}` }, 'withdrawn request not found: its decider is not notified');
      return;
    }
    const recipient = deciderOf(subject) ?? { role: 'decider' as const };
    const purpose = purposeFor(change.kind, change.action, 'withdrawn', 'decider');
    const callback = change.kind === 'ApprovalRequest' ? (subject as ApprovalRequest).spec.callback : undefined;
    const draft: Draft = {
      purpose,
      recipient,
      actor: change.actor,
      callback,
      properties: {
        ...this.baseProperties(change.kind, subject, 'decider', 'withdrawn', change.actor, change.comment, { actionedAt: subject.metadata.deletionTimestamp }),
        state_old: change.from,
        ...(callback ? { callback_status: 'cancelled' } : {}),
      },
      // One per request: not the state it was withdrawn in, which a vote on the terminating
      // request could still change between a crash and the retry (ADR 0006).
      name: notificationName(purpose, subject.spec.target.name, [subject.metadata.uid ?? change.uid, purpose, 'withdrawn']),
    };
    await this.createAll(change.kind, subject, [draft], false);
  }

  /**
   * A reminder that `approval` expires at `expiresAt`, to the requester and the decider, for the
   * thresholds `keys` (dueReminders(...).due: several keys due at once give one reminder, named
   * after the last). Returns their refs; the caller records them and the keys in
   * status.notificationRefs and status.remindersSent. Idempotent like stateChanged.
   */
  async createReminder(approval: Approval, keys: readonly string[], expiresAt: Date, now: Date = this.now()): Promise<ObjectRef[]> {
    const key = keys.at(-1);
    if (key === undefined) return [];
    const action = approval.spec.action ?? 'unknown';
    const recipients = [requesterOf(approval), deciderOf(approval)].filter((r): r is RecipientTeam => r !== undefined);
    const drafts = recipients.map((recipient): Draft => {
      const purpose = purposeFor('Approval', action, 'reminder', recipient.role);
      return {
        purpose,
        recipient,
        actor: SYSTEM_DECIDER,
        properties: {
          ...this.baseProperties('Approval', approval, recipient.role, 'reminder', SYSTEM_DECIDER, undefined, undefined),
          state_new: approval.spec.state,
          expiration_date: toIso(expiresAt),
          days_remaining: daysRemaining(expiresAt, now),
          reminder: key,
        },
        name: notificationName(purpose, approval.spec.target.name, [approval.metadata.uid, purpose, key, toIso(expiresAt)], key),
      };
    });
    return this.createAll('Approval', approval, drafts, true);
  }

  /** The subject from the cache, else from the API server; undefined when it is gone or was replaced. */
  private async subject(kind: SubjectKind, namespace: string, name: string, uid: string | undefined): Promise<Subject | undefined> {
    let subject: Subject | undefined = this.lookupSubject(kind, namespace, name);
    if (!subject || (uid && subject.metadata.uid !== uid)) {
      try {
        subject = await this.client.get<Subject>(objectPath(resourceOf(kind), namespace, name));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        subject = undefined;
      }
    }
    if (!subject || (uid && subject.metadata.uid !== uid)) {
      this.log.debug({ kind, object: `${namespace}/${name}`, uid }, 'subject of the notification is gone');
      return undefined;
    }
    return subject;
  }

  /** `when`: the causing decision's e-mail and time (now when it has none); undefined: the last decision's, when it is the actor's. */
  private baseProperties(
    kind: SubjectKind,
    subject: Subject,
    recipient: Recipient,
    event: string,
    actor: string,
    comment: string | undefined,
    when: { actorEmail?: string; actionedAt?: string } | undefined,
  ) {
    const { requester, decider, target } = subject.spec;
    const last = subject.spec.decisions?.at(-1);
    const byLast = last && last.name === actor;
    return {
      kind,
      action: subject.spec.action ?? 'unknown',
      event,
      recipient,
      requester_team: requester.teamName,
      requester_email: requester.teamEmail,
      decider_team: decider?.teamName,
      decider_email: decider?.teamEmail,
      reason: requester.reason,
      comment,
      actor,
      actor_email: when ? when.actorEmail : byLast ? last.email : undefined,
      actioned_at: (when ? when.actionedAt : byLast ? last.timestamp : undefined) ?? toIso(this.now()),
      target: { kind: target.kind, namespace: target.namespace, name: target.name },
      subject: { kind, namespace: subject.metadata.namespace, name: subject.metadata.name, uid: subject.metadata.uid },
      requester_properties: requester.properties,
    };
  }

  /** Creates the drafts that deliver anything (skipping those already recorded); their refs. */
  private async createAll(kind: SubjectKind, subject: Subject, drafts: Draft[], owned: boolean): Promise<ObjectRef[]> {
    const namespace = subject.metadata.namespace ?? '';
    const recorded = new Map((subject.status?.notificationRefs ?? []).map((ref) => [`${ref.namespace}/${ref.name}`, ref]));
    const refs: ObjectRef[] = [];
    for (const draft of drafts) {
      const known = recorded.get(`${namespace}/${draft.name}`);
      if (known) {
        refs.push(known); // created and recorded by an earlier call
        continue;
      }
      const channels = draft.recipient.namespace ? this.channelsOf(draft.recipient.namespace) : [];
      const delivery = deliveryFor(draft.recipient, draft.purpose, channels);
      if (!deliversAnything(delivery) && !draft.callback) {
        this.log.debug({ purpose: draft.purpose, team: draft.recipient.team }, 'no channel for this purpose: notification skipped');
        continue;
      }
      const senderType = draft.actor === SYSTEM_DECIDER ? 'System' : 'User';
      const notification: Notification = {
        apiVersion: NOTIFICATION_API_VERSION,
        kind: 'Notification',
        metadata: {
          name: draft.name,
          namespace,
          labels: { [PURPOSE_LABEL]: draft.purpose.slice(0, 63), [SENDER_TYPE_LABEL]: senderType },
          ...(owned && subject.metadata.uid
            ? { ownerReferences: [{ apiVersion: API_VERSION, kind, name: subject.metadata.name, uid: subject.metadata.uid }] }
            : {}),
        },
        spec: {
          purpose: draft.purpose,
          sender: { type: senderType, name: draft.actor.slice(0, 512) },
          channels: delivery.channels,
          ...(delivery.fallbackEmail ? { fallbackEmail: delivery.fallbackEmail } : {}),
          properties: JSON.parse(JSON.stringify(draft.properties)) as Record<string, unknown>,
          ...(draft.callback ? { callback: draft.callback } : {}),
        },
      };
      refs.push(await this.create(notification));
    }
    return refs;
  }

  private async create(notification: Notification): Promise<ObjectRef> {
    const { name, namespace = '' } = notification.metadata;
    try {
      const created = await this.client.create<Notification>(collectionPath(notificationResource, namespace), notification);
      this.log.debug({ notification: `${namespace}/${name}`, purpose: notification.spec.purpose }, 'notification created');
      return { name, namespace, uid: created.metadata.uid };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.client.get<Notification>(objectPath(notificationResource, namespace, name));
      return { name, namespace, uid: existing.metadata.uid };
    }
  }
}

/**
 * `existing` followed by the refs of `added` it lacks (one per namespace/name: the CRD's list-map
 * key); `existing` itself when nothing is added, so an unchanged list costs no status write.
 */
export function mergeRefs(existing: ObjectRef[] | undefined, added: readonly ObjectRef[]): ObjectRef[] | undefined {
  if (added.length === 0) return existing;
  const seen = new Set<string>();
  const merged: ObjectRef[] = [];
  for (const ref of [...(existing ?? []), ...added]) {
    const key = `${ref.namespace}/${ref.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(ref);
  }
  return merged;
}

interface CacheLike<T> {
  cache: { get(key: string): T | undefined; list(namespace?: string): T[] };
}

/**
 * The creator over the operator's informers (Informer<…> fits): subjects and channels come from
 * their caches. The NotificationChannel informer must watch every namespace the recipients'
 * applicationRefs point to.
 */
export function notificationCreatorFor(
  client: KubeClient,
  log: Logger,
  informers: { requests: CacheLike<ApprovalRequest>; approvals: CacheLike<Approval>; channels: CacheLike<NotificationChannel> },
  now?: () => Date,
): NotificationCreator {
  return new NotificationCreator({
    client,
    log,
    now,
    lookupSubject: (kind, namespace, name) => (kind === 'Approval' ? informers.approvals : informers.requests).cache.get(`${namespace}/${name}`),
    channels: (namespace) => informers.channels.cache.list(namespace),
  });
}
