// Who is notified of a change, and through which channels. Pure functions.
import type { ApprovalRequest, Approval, ChannelRef, FallbackEmail, NotificationChannel } from '../../api/types.ts';
import type { State } from '../../engine/index.ts';
import { channelAccepts } from '../channel-access.ts';
import type { Recipient } from './naming.ts';

export type Subject = ApprovalRequest | Approval;

/** One recipient team of a notification. */
export interface RecipientTeam {
  role: Recipient;
  team?: string;
  /** The team's teamEmail: the fallback when its namespace has no NotificationChannel. */
  email?: string;
  /** applicationRef.namespace: where the team's NotificationChannels live. */
  namespace?: string;
  /**
   * The subject's namespace: a channel in another namespace serves the notification only when it
   * accepts this one (channel-access.ts). Unknown: no channel is used.
   */
  origin?: string;
}

/** Where a notification goes: channel refs, or the fallback e-mail when the namespace has no channel. */
export interface Delivery {
  channels: ChannelRef[];
  fallbackEmail?: FallbackEmail;
}

/** The requester is not told about these states: nothing is decided yet. */
export const REQUESTER_SILENT_STATES: readonly State[] = ['Pending', 'Semigranted'];

export function deciderOf(subject: Subject): RecipientTeam | undefined {
  const decider = subject.spec.decider;
  if (!decider || (!decider.teamName && !decider.teamEmail && !decider.applicationRef)) return undefined;
  return { role: 'decider', team: decider.teamName, email: decider.teamEmail, namespace: decider.applicationRef?.namespace, origin: subject.metadata.namespace };
}

export function requesterOf(subject: Subject): RecipientTeam {
  const requester = subject.spec.requester;
  return { role: 'requester', team: requester.teamName, email: requester.teamEmail, namespace: requester.applicationRef?.namespace, origin: subject.metadata.namespace };
}

/** The decider on every change (when the subject names one); the requester except on Pending and Semigranted. */
export function recipientsFor(subject: Subject, to: State): RecipientTeam[] {
  return teamsOf(subject, REQUESTER_SILENT_STATES.includes(to) ? ['decider'] : ['decider', 'requester']);
}

/** The teams behind `roles`, in that order; a subject without a decider has no decider team. */
export function teamsOf(subject: Subject, roles: readonly Recipient[]): RecipientTeam[] {
  return roles.map((role) => (role === 'decider' ? deciderOf(subject) : requesterOf(subject))).filter((team): team is RecipientTeam => team !== undefined);
}

const globCache = new Map<string, RegExp>();

/** Whether a channel's `ignore` list excludes `purpose` (exact match; `*` matches any characters). */
export function channelIgnores(channel: NotificationChannel, purpose: string): boolean {
  return (channel.spec.ignore ?? []).some((pattern) => {
    if (!pattern.includes('*')) return pattern.toLowerCase() === purpose;
    let regex = globCache.get(pattern);
    if (!regex) {
      const source = pattern
        .toLowerCase()
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      regex = new RegExp(`^${source}$`);
      globCache.set(pattern, regex);
    }
    return regex.test(purpose);
  });
}

/**
 * The channels of a recipient for one purpose: every NotificationChannel of the recipient's
 * namespace that serves the subject's namespace (its own, or one its accept-from-namespaces
 * annotation names: channel-access.ts) and does not ignore the purpose (sorted by namespace and
 * name). A namespace without any such channel (or a recipient without applicationRef) gets the
 * fallback e-mail to the team's teamEmail instead: naming another team's namespace never sends the
 * requester's text to that team's channels. A namespace whose serving channels all ignore the
 * purpose gets nothing: the team opted out. `channels` are the channels of `recipient.namespace`.
 */
export function deliveryFor(recipient: RecipientTeam, purpose: string, channels: readonly NotificationChannel[]): Delivery {
  const live = recipient.namespace
    ? channels.filter(
        (c) => !c.metadata.deletionTimestamp && c.metadata.namespace === recipient.namespace && recipient.origin !== undefined && channelAccepts(c, recipient.origin),
      )
    : [];
  if (live.length > 0) {
    const refs = live
      .filter((c) => !channelIgnores(c, purpose))
      .map((c) => ({ name: c.metadata.name, namespace: c.metadata.namespace ?? '' }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    return { channels: refs };
  }
  if (recipient.email) return { channels: [], fallbackEmail: { recipients: [recipient.email] } };
  return { channels: [] };
}

/** Whether a delivery reaches anyone. */
export const deliversAnything = (delivery: Delivery): boolean => delivery.channels.length > 0 || delivery.fallbackEmail !== undefined;
