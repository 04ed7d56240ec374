// Which namespaces' requests a NotificationChannel serves. A request names the namespaces of its
// teams (applicationRef.namespace), and the channels there receive its notifications: text the
// requester wrote, sent to the channel's webhook and signed with the channel's Secret. A channel
// therefore serves its own namespace, and other namespaces only when its owner says so with the
// annotation notification.cp.ei.telekom.de/accept-from-namespaces: a comma-separated list of
// namespaces, or "*" for every namespace. Creation skips channels that do not accept the request's
// namespace (the team's e-mail is the fallback); delivery checks the same again.
import type { NotificationChannel } from '../api/types.ts';

export const ACCEPT_FROM_NAMESPACES_ANNOTATION = 'notification.cp.ei.telekom.de/accept-from-namespaces';

/** Whether `channel` serves requests (Notifications) of `namespace`. */
export function channelAccepts(channel: Pick<NotificationChannel, 'metadata'>, namespace: string): boolean {
  if (channel.metadata.namespace === namespace) return true;
  const accepted = channel.metadata.annotations?.[ACCEPT_FROM_NAMESPACES_ANNOTATION];
  if (!accepted) return false;
  return accepted
    .split(',')
    .map((entry) => entry.trim())
    .some((entry) => entry === '*' || entry === namespace);
}

/** The refusal of a channel that does not serve `namespace`. */
export function channelRefusal(channel: { namespace: string; name: string }, namespace: string): string {
  return `NotificationChannel ${channel.namespace}/${channel.name} does not accept notifications from namespace ${namespace} (annotation ${ACCEPT_FROM_NAMESPACES_ANNOTATION})`;
}
