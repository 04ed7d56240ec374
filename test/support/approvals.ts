// Reading and deciding approval objects in a test namespace, the way the scenarios do it.
import type { Approval, ApprovalRequest } from '../../src/api/types.ts';
import { approvalRequestResource, approvalResource } from '../../src/api/resources.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { objectPath } from '../../src/runtime/resource.ts';
import { eventually } from './cluster.ts';
import { kubectlOk } from './kubectl.ts';

type Subject = ApprovalRequest | Approval;

/** Settled: the operator has seen this generation and published `state` in spec and status. */
const settledIn = <T extends Subject>(object: T, state: string): T | undefined =>
  object.status?.observedGeneration === object.metadata.generation && object.status?.lastState === state && object.spec.state === state
    ? object
    : undefined;

export function approvalHelpers(client: KubeClient, namespace: () => string) {
  const getRequest = (name: string) => client.get<ApprovalRequest>(objectPath(approvalRequestResource, namespace(), name));
  const getApproval = (name: string) => client.get<Approval>(objectPath(approvalResource, namespace(), name));
  return {
    getRequest,
    getApproval,
    waitForState: (name: string, state: string, timeoutMs = 20_000) =>
      eventually(`${name} to be ${state}`, async () => settledIn(await getRequest(name), state), timeoutMs),
    waitForApprovalState: (name: string, state: string, timeoutMs = 20_000) =>
      eventually(`approval ${name} to be ${state}`, async () => settledIn(await getApproval(name), state), timeoutMs),
    /** A decider's vote the seed-003 way: append a decision with kubectl patch (as admin). */
    vote: (kind: 'ar' | 'apv', name: string, decider: string, resultingState: string, comment?: string) =>
      kubectlOk(['-n', namespace(), 'patch', kind, name, '--type=json', '-p',
        JSON.stringify([{ op: 'add', path: '/spec/decisions/-', value: { name: decider, email: `${decider}@example.com`, comment, resultingState } }])]),
  };
}
