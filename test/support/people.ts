// The people of the security tests, played by impersonation so RBAC and the webhooks see real
// identities: carol files for team shop, alice and bob decide for team orders, mallory belongs to
// no team. Requests are written the seed-003 way, as JSON manifests applied with kubectl.
import type { ApprovalRequest } from '../../src/api/types.ts';
import { kubectl, type KubectlOptions, type KubectlResult } from './kubectl.ts';

export type Person = Required<Pick<KubectlOptions, 'as' | 'asGroups'>>;

export const carol: Person = { as: 'carol', asGroups: ['team:shop'] };
export const mallory: Person = { as: 'mallory', asGroups: [] };
export const decider = (name: string): Person => ({ as: name, asGroups: ['team:orders'] });
export const alice = decider('alice');
export const bob = decider('bob');

/** Spec fields as a manifest writes them (plain strings, not the generated unions). */
type Spec = { [K in keyof ApprovalRequest['spec']]?: unknown };

/** An ApprovalRequest from team shop to team orders; `spec` overrides any field. */
export function requestManifest(name: string, spec: Spec = {}, labels?: Record<string, string>): string {
  return JSON.stringify({
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      action: 'subscribe',
      strategy: 'FourEyes',
      requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'security test' },
      decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
      target: { kind: 'ApiSubscription', name: `target-${name}`, namespace: 'default' },
      ...spec,
    },
  });
}

export function applyAs(namespace: string, manifest: string, person?: Person): Promise<KubectlResult> {
  return kubectl(['-n', namespace, 'apply', '-f', '-'], { input: manifest, ...person });
}

export function patchAs(namespace: string, resource: string, patch: unknown, person: Person, type: 'merge' | 'json' = 'merge'): Promise<KubectlResult> {
  return kubectl(['-n', namespace, 'patch', resource, `--type=${type}`, '-p', JSON.stringify(patch)], person);
}

/** A vote the seed-003 way: append one decision. */
export function voteAs(namespace: string, resource: string, decision: Record<string, unknown>, person: Person): Promise<KubectlResult> {
  return patchAs(namespace, resource, [{ op: 'add', path: '/spec/decisions/-', value: decision }], person, 'json');
}
