// Objects as the API server returns them, for the formatting tests of the plugin.
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';

export const NOW = new Date('2026-03-10T12:00:00Z');

export function request(name: string, overrides: { spec?: Partial<ApprovalRequest['spec']>; status?: ApprovalRequest['status']; metadata?: Partial<ApprovalRequest['metadata']> } = {}): ApprovalRequest {
  return {
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name, namespace: 'shop', resourceVersion: '41', generation: 1, creationTimestamp: '2026-03-10T11:55:00Z', ...overrides.metadata },
    spec: {
      action: 'subscribe',
      strategy: 'Simple',
      state: 'Pending',
      requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'The shop frontend needs to **read orders**.', applicationRef: { name: 'shop-frontend', namespace: 'default' } },
      decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
      target: { apiVersion: 'api.cp.ei.telekom.de/v1', kind: 'ApiSubscription', name: 'shop-frontend--orders-read', namespace: 'default' },
      decisions: [],
      ...overrides.spec,
    },
    ...(overrides.status ? { status: overrides.status } : {}),
  };
}

export function approval(name: string, overrides: { spec?: Partial<Approval['spec']>; status?: Approval['status'] } = {}): Approval {
  const base = request(name);
  return {
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'Approval',
    metadata: base.metadata,
    spec: {
      action: base.spec.action,
      strategy: 'Simple',
      state: 'Granted',
      requester: base.spec.requester,
      decider: base.spec.decider,
      target: base.spec.target,
      decisions: [{ name: 'alice', comment: 'ok', timestamp: '2026-03-10T11:58:00Z', resultingState: 'Granted' }],
      approvedRequest: { name: 'orders-read', namespace: 'shop' },
      ...overrides.spec,
    },
    ...(overrides.status ? { status: overrides.status } : {}),
  };
}
