// The kinds delivery reads and writes, and the status keys of the channels.
import type { ResourceType } from '../../runtime/resource.ts';

export { notificationChannelResource, notificationResource, notificationTemplateResource } from '../../api/resources.ts';
export type {
  ChannelDeliveryState,
  ChatFormat,
  ConditionEntry,
  Notification,
  NotificationChannel,
  NotificationStatus,
  NotificationTemplate,
  NotificationTemplateSpec,
  SecretKeyRef,
} from '../../api/types.ts';

export const secretResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true } as const satisfies ResourceType;

/** The three kinds of template: `<purpose>--<kind>` names a NotificationTemplate override. */
export type TemplateKind = 'mail' | 'chat' | 'webhook';

/** The status key of the fallback e-mail (no channels: the team's address through the default SMTP). */
export const FALLBACK_EMAIL_KEY = 'fallback-email';
/** The status key of the signed callback. */
export const CALLBACK_KEY = 'callback';

/** The status key of a channel reference: `<namespace>/<name>` (a name never contains `/`). */
export function channelKey(ref: { name: string; namespace?: string }, notificationNamespace: string): string {
  return `${ref.namespace || notificationNamespace}/${ref.name}`;
}
