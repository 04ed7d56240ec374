// Where the approval and notification kinds live in the REST API, and the annotations and labels
// the operator uses.
import type { ResourceType } from '../runtime/resource.ts';

export const API_GROUP = 'approval.cp.ei.telekom.de';
export const API_VERSION = 'approval.cp.ei.telekom.de/v1';

export const approvalRequestResource = {
  group: API_GROUP,
  version: 'v1',
  plural: 'approvalrequests',
  kind: 'ApprovalRequest',
  namespaced: true,
} as const satisfies ResourceType;

export const approvalResource = {
  group: API_GROUP,
  version: 'v1',
  plural: 'approvals',
  kind: 'Approval',
  namespaced: true,
} as const satisfies ResourceType;

export const approvalPolicyResource = {
  group: API_GROUP,
  version: 'v1',
  plural: 'approvalpolicies',
  kind: 'ApprovalPolicy',
  namespaced: false,
} as const satisfies ResourceType;

/** Annotations under this prefix are the operator's: only its own identity may set or change them. */
export const OPERATOR_ANNOTATION_PREFIX = 'approval.cp.ei.telekom.de/';

/** The creator's username, stamped by the mutating webhook on create; immutable afterwards. */
export const REQUESTED_BY_ANNOTATION = 'approval.cp.ei.telekom.de/requested-by';
export const BASELINE_ANNOTATION = 'approval.cp.ei.telekom.de/baseline';
/**
 * The operator's finalizer on ApprovalRequests while they are Pending or Semigranted: it keeps a
 * deleted request until its decider has been told it was withdrawn (ADR 0006).
 */
export const WITHDRAWAL_FINALIZER = 'approval.cp.ei.telekom.de/withdrawal';

export const NOTIFICATION_GROUP = 'notification.cp.ei.telekom.de';
export const NOTIFICATION_API_VERSION = 'notification.cp.ei.telekom.de/v1';

export const notificationResource = {
  group: NOTIFICATION_GROUP,
  version: 'v1',
  plural: 'notifications',
  kind: 'Notification',
  namespaced: true,
} as const satisfies ResourceType;

export const notificationChannelResource = {
  group: NOTIFICATION_GROUP,
  version: 'v1',
  plural: 'notificationchannels',
  kind: 'NotificationChannel',
  namespaced: true,
} as const satisfies ResourceType;

export const notificationTemplateResource = {
  group: NOTIFICATION_GROUP,
  version: 'v1',
  plural: 'notificationtemplates',
  kind: 'NotificationTemplate',
  namespaced: true,
} as const satisfies ResourceType;

/** On every Notification: its spec.purpose (≤ 63 characters, so always a valid label value). */
export const PURPOSE_LABEL = 'notification.cp.ei.telekom.de/purpose';
/** On every Notification: its spec.sender.type (User or System). */
export const SENDER_TYPE_LABEL = 'notification.cp.ei.telekom.de/sender-type';
