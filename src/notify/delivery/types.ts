// The shapes delivery reads and writes (SPEC §9.1), and the status keys of the channels.
// The generated API types (src/api/types.ts) are the source of truth; these local views name the
// fields delivery relies on, so the delivery code also type-checks against older generated files.
import type { KubeObject, ResourceType } from '../../runtime/resource.ts';

export const NOTIFICATION_GROUP = 'notification.cp.ei.telekom.de';

export const notificationType = {
  group: NOTIFICATION_GROUP,
  version: 'v1',
  plural: 'notifications',
  kind: 'Notification',
  namespaced: true,
} as const satisfies ResourceType;

export const notificationChannelType = {
  group: NOTIFICATION_GROUP,
  version: 'v1',
  plural: 'notificationchannels',
  kind: 'NotificationChannel',
  namespaced: true,
} as const satisfies ResourceType;

export const notificationTemplateType = {
  group: NOTIFICATION_GROUP,
  version: 'v1',
  plural: 'notificationtemplates',
  kind: 'NotificationTemplate',
  namespaced: true,
} as const satisfies ResourceType;

export const secretType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true } as const satisfies ResourceType;

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** The well-known properties (SPEC §9.2); creation may add more, templates see them all. */
export interface NotificationProperties {
  state_old?: string;
  state_new?: string;
  requester_team?: string;
  decider_team?: string;
  reason?: string;
  comment?: string;
  actor?: string;
  actor_email?: string;
  target?: ObjectReference;
  subject?: ObjectReference;
  expiration_date?: string;
  days_remaining?: number | string;
  callback_status?: string;
  correlation_id?: string;
  actioned_at?: string;
  [property: string]: unknown;
}

export interface NotificationView extends KubeObject {
  spec: {
    purpose: string;
    sender?: { type?: string; name?: string };
    channels?: Array<{ name: string; namespace?: string }>;
    fallbackEmail?: { recipients?: string[] };
    properties?: NotificationProperties | Record<string, unknown>;
    callback?: { url: string; secretRef?: SecretKeyRef };
  };
  status?: NotificationStatusView;
}

export interface ChannelState {
  sent: boolean;
  timestamp?: string;
  attempts: number;
  errorMessage?: string;
  nextAttemptAt?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface NotificationStatusView {
  conditions?: Condition[];
  states?: Record<string, ChannelState>;
  observedGeneration?: number;
}

export type ChatFormat = 'teams' | 'slack' | 'generic';

export interface NotificationChannelView extends KubeObject {
  spec: {
    email?: { recipients?: string[]; from?: string };
    chat?: { webhookUrl: string; format?: ChatFormat };
    webhook?: { url: string; secretRef?: SecretKeyRef };
    ignore?: string[];
  };
}

export type TemplateKind = 'mail' | 'chat' | 'webhook';

export interface TemplateSource {
  subject: string;
  body: string;
  html?: string;
}

export interface NotificationTemplateView extends KubeObject {
  spec: TemplateSource;
}

/** The status key of the fallback e-mail (no channels: the team's address through the default SMTP). */
export const FALLBACK_EMAIL_KEY = 'fallback-email';
/** The status key of the signed callback (SPEC §9.4). */
export const CALLBACK_KEY = 'callback';

/** The status key of a channel reference: `<namespace>/<name>` (a name never contains `/`). */
export function channelKey(ref: { name: string; namespace?: string }, notificationNamespace: string): string {
  return `${ref.namespace || notificationNamespace}/${ref.name}`;
}
