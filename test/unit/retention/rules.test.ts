import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalPolicy, ApprovalRequest, Notification } from '../../../src/api/types.ts';
import { parseConfig } from '../../../src/config.ts';
import { deliveryPending, gitOpsManager, isDue, notificationSettledAt, requestRetentionOf, requestSettledAt } from '../../../src/retention/rules.ts';
import { Pacer } from '../../../src/retention/sweeper.ts';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

function notification(condition: Record<string, unknown> | undefined, options: { generation?: number; states?: Record<string, { timestamp?: string; sent?: boolean }> } = {}): Notification {
  return {
    apiVersion: 'notification.cp.ei.telekom.de/v1',
    kind: 'Notification',
    metadata: { name: 'n', namespace: 'ns', generation: options.generation ?? 1 },
    spec: { purpose: 'approvalrequest--granted--requester' },
    status: { conditions: condition ? [{ type: 'Delivered', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', ...condition }] : [], states: options.states },
  } as unknown as Notification;
}

function request(state: string, extra: { lastState?: string; finalizers?: string[]; processing?: string; decided?: string; deleting?: boolean } = {}): ApprovalRequest {
  return {
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name: 'r', namespace: 'ns', finalizers: extra.finalizers, deletionTimestamp: extra.deleting ? '2026-01-02T00:00:00Z' : undefined },
    spec: {
      state,
      decisions: extra.decided ? [{ name: 'alice', resultingState: state, timestamp: extra.decided }] : [],
    },
    status: {
      lastState: extra.lastState ?? state,
      conditions: extra.processing ? [{ type: 'Processing', status: 'False', reason: 'Done', message: '', lastTransitionTime: extra.processing }] : [],
    },
  } as unknown as ApprovalRequest;
}

describe('retention: Notifications', () => {
  it('are settled when Delivered=True or GaveUp for the current generation, at the later of transition and last attempt', () => {
    assert.deepEqual(notificationSettledAt(notification({ status: 'True', reason: 'Delivered', observedGeneration: 1 })), at('2026-01-01T00:00:00Z'));
    assert.deepEqual(notificationSettledAt(notification({ status: 'True', reason: 'NoChannels' })), at('2026-01-01T00:00:00Z'), 'no observedGeneration: another delivering service');
    const gaveUp = notification({ status: 'False', reason: 'GaveUp', observedGeneration: 1 }, { states: { callback: { timestamp: '2026-01-04T00:00:00Z' }, 'ns/chat': { timestamp: '2026-01-02T00:00:00Z', sent: true } } });
    assert.deepEqual(notificationSettledAt(gaveUp), at('2026-01-04T00:00:00Z'), 'GaveUp keeps the time of Retrying; the last attempt is later');
  });

  it('are not settled while retrying, without a condition, or for an older generation', () => {
    assert.equal(notificationSettledAt(notification({ status: 'False', reason: 'Retrying', observedGeneration: 1 })), undefined);
    assert.equal(notificationSettledAt(notification(undefined)), undefined);
    assert.equal(notificationSettledAt(notification({ status: 'True', reason: 'Delivered', observedGeneration: 1 }, { generation: 2 })), undefined);
    assert.equal(notificationSettledAt(notification({ status: 'True', reason: 'Delivered', lastTransitionTime: 'garbage' })), undefined, 'no valid time: never due');
  });

  it('are due once settled + retention has passed, never without a settled time', () => {
    const settled = at('2026-01-01T00:00:00Z');
    assert.equal(isDue(settled, 168 * HOUR, at('2026-01-07T23:59:59Z')), false);
    assert.equal(isDue(settled, 168 * HOUR, at('2026-01-08T00:00:00Z')), true);
    assert.equal(isDue(undefined, 0, at('2030-01-01T00:00:00Z')), false);
  });

  it('hold their request back while delivery is open: any unsettled one when delivering, only Retrying in create-only mode', () => {
    const retrying = notification({ status: 'False', reason: 'Retrying', observedGeneration: 1 });
    const none = notification(undefined);
    const delivered = notification({ status: 'True', reason: 'Delivered', observedGeneration: 1 });
    assert.deepEqual([retrying, none, delivered].map((n) => deliveryPending(n, 'deliver')), [true, true, false]);
    assert.deepEqual([retrying, none, delivered].map((n) => deliveryPending(n, 'create-only')), [true, false, false]);
  });
});

describe('retention: requests', () => {
  it('are settled in Granted, Rejected and Expired once the status caught up, at the later of Processing=False and the last decision', () => {
    assert.deepEqual(requestSettledAt(request('Granted', { processing: '2026-01-01T00:00:00Z', decided: '2026-01-01T00:00:05Z' })), at('2026-01-01T00:00:05Z'));
    assert.deepEqual(requestSettledAt(request('Rejected', { processing: '2026-01-03T00:00:00Z' })), at('2026-01-03T00:00:00Z'));
    assert.deepEqual(requestSettledAt(request('Expired', { decided: '2026-01-02T00:00:00Z' })), at('2026-01-02T00:00:00Z'));
  });

  it('are not settled while open, behind in status, holding the withdrawal finalizer, being deleted, or without a time', () => {
    const t = '2026-01-01T00:00:00Z';
    assert.equal(requestSettledAt(request('Pending', { processing: t })), undefined);
    assert.equal(requestSettledAt(request('Semigranted', { processing: t })), undefined);
    assert.equal(requestSettledAt(request('Granted', { processing: t, lastState: 'Pending' })), undefined, 'outcome not reported yet');
    assert.equal(requestSettledAt(request('Granted', { processing: t, finalizers: ['approval.cp.ei.telekom.de/withdrawal'] })), undefined);
    assert.equal(requestSettledAt(request('Granted', { processing: t, deleting: true })), undefined);
    assert.equal(requestSettledAt(request('Granted')), undefined);
  });

  it('are kept unless their policy opts in with a valid duration', () => {
    const policy = (retention: unknown) => ({ metadata: { name: 'p' }, spec: { retention } }) as unknown as ApprovalPolicy;
    assert.equal(requestRetentionOf(undefined), undefined);
    assert.equal(requestRetentionOf(policy(undefined)), undefined);
    assert.equal(requestRetentionOf(policy({ settledRequests: 'soon' })), undefined);
    assert.deepEqual(requestRetentionOf(policy({ settledRequests: '720h' })), { afterMs: 720 * HOUR, includeGitOpsManaged: false });
    assert.deepEqual(requestRetentionOf(policy({ settledRequests: '2s', includeGitOpsManaged: true })), { afterMs: 2000, includeGitOpsManaged: true });
  });
});

describe('retention: GitOps-managed objects', () => {
  const meta = (extra: Record<string, unknown>) => ({ name: 'x', ...extra });

  it('recognises server-side apply by anyone but the project, and the managers of Argo CD, Flux, Helm and client-side apply', () => {
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'kubectl', operation: 'Apply' }] }))!, /server-side apply by kubectl/);
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'argocd-controller', operation: 'Apply' }] }))!, /Argo CD/);
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'argocd-application-controller', operation: 'Update' }] }))!, /Argo CD/);
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'kustomize-controller', operation: 'Apply' }] }))!, /Flux/);
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'helm-controller', operation: 'Update' }] }))!, /Flux/);
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'helm', operation: 'Update' }] }))!, /Helm/);
    assert.match(gitOpsManager(meta({ managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update' }] }))!, /kubectl apply/);
  });

  it('recognises the tracking annotations and labels', () => {
    assert.match(gitOpsManager(meta({ annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }))!, /kubectl apply/);
    assert.match(gitOpsManager(meta({ annotations: { 'argocd.argoproj.io/tracking-id': 'app:group/Kind:ns/name' } }))!, /Argo CD/);
    assert.match(gitOpsManager(meta({ annotations: { 'meta.helm.sh/release-name': 'r' } }))!, /Helm/);
    assert.match(gitOpsManager(meta({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'k' } }))!, /Flux/);
    assert.match(gitOpsManager(meta({ labels: { 'app.kubernetes.io/instance': 'app' } }))!, /Argo CD or Helm/);
    assert.match(gitOpsManager(meta({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } }))!, /Helm/);
  });

  it("does not count imperative writes, the project's own clients or applied status", () => {
    assert.equal(gitOpsManager(meta({})), undefined);
    const imperative = [
      { manager: 'kubectl-create', operation: 'Update' },
      { manager: 'kubectl-patch', operation: 'Update' },
      { manager: 'approval-operator', operation: 'Update', subresource: 'status' },
      { manager: 'approval-plugin', operation: 'Apply' },
      { manager: 'approval-console', operation: 'Update' },
      { manager: 'my-client', operation: 'Update' },
      { manager: 'notification-service', operation: 'Apply', subresource: 'status' },
    ];
    assert.equal(gitOpsManager(meta({ managedFields: imperative, labels: { 'app.kubernetes.io/managed-by': 'my-client' } })), undefined);
  });
});

describe('retention: pacing and flags', () => {
  it('spaces deletes evenly at the configured rate, without a burst', () => {
    let now = 1000;
    const pacer = new Pacer(20, () => now);
    assert.deepEqual([pacer.reserve(), pacer.reserve(), pacer.reserve()], [0, 50, 100]);
    now += 1000;
    assert.equal(pacer.reserve(), 0, 'idle time is not saved up');
  });

  it('reads --notification-retention, --retention-interval and --retention-delete-rate (also from APPROVAL_*)', () => {
    const base = ['--webhook-port=0'];
    const defaults = parseConfig(base, {});
    assert.ok(defaults !== 'help');
    assert.deepEqual([defaults.notificationRetentionMs, defaults.retentionIntervalMs, defaults.retentionDeleteRate], [168 * HOUR, 600_000, 20]);
    const flags = parseConfig([...base, '--notification-retention=0', '--retention-interval=30s', '--retention-delete-rate=5'], {});
    assert.ok(flags !== 'help');
    assert.deepEqual([flags.notificationRetentionMs, flags.retentionIntervalMs, flags.retentionDeleteRate], [0, 30_000, 5]);
    const env = parseConfig(base, { APPROVAL_NOTIFICATION_RETENTION: '720h', APPROVAL_RETENTION_INTERVAL: '1h', APPROVAL_RETENTION_DELETE_RATE: '2' });
    assert.ok(env !== 'help');
    assert.deepEqual([env.notificationRetentionMs, env.retentionIntervalMs, env.retentionDeleteRate], [720 * HOUR, HOUR, 2]);
  });

  it('refuses bad retention values with the flag named', () => {
    const base = ['--webhook-port=0'];
    assert.throws(() => parseConfig([...base, '--notification-retention=7d'], {}), /--notification-retention invalid duration "7d"/);
    assert.throws(() => parseConfig([...base, '--retention-interval=100ms'], {}), /--retention-interval must be at least 1s/);
    assert.throws(() => parseConfig([...base, '--retention-delete-rate=0'], {}), /--retention-delete-rate must be a number above 0/);
    assert.throws(() => parseConfig([...base, '--retention-delete-rate=fast'], {}), /--retention-delete-rate/);
  });
});
