// Where the approval kinds live in the REST API, and the annotations the operator uses.
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

/** The creator's username, stamped by the mutating webhook on create; immutable afterwards. */
export const REQUESTED_BY_ANNOTATION = 'approval.cp.ei.telekom.de/requested-by';
export const BASELINE_ANNOTATION = 'approval.cp.ei.telekom.de/baseline';
