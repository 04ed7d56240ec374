// Writes the operator makes to a subject's spec (a System decision, the derived state). Each is
// guarded by the resourceVersion the decision was based on: if anyone wrote in between, the API
// server answers 409 and the reconcile starts again from the newer object.
import type { DecisionEntry } from '../api/types.ts';
import { PatchType, type KubeClient } from '../runtime/kube-client.ts';
import { objectPath, type KubeObject, type ResourceType } from '../runtime/resource.ts';

export interface SpecUpdate {
  state: string;
  decisions: DecisionEntry[];
}

export async function writeSpec(client: KubeClient, type: ResourceType, object: KubeObject, update: SpecUpdate): Promise<void> {
  const { namespace, name, resourceVersion } = object.metadata;
  await client.patch(
    objectPath(type, namespace, name),
    { metadata: { resourceVersion }, spec: { state: update.state, decisions: update.decisions } },
    PatchType.merge,
  );
}

export async function writeStatus(client: KubeClient, type: ResourceType, object: KubeObject, patch: Record<string, unknown>): Promise<void> {
  const { namespace, name } = object.metadata;
  await client.patch(objectPath(type, namespace, name, 'status'), { status: patch }, PatchType.merge);
}

export function systemDecision(resultingState: string, comment: string, now: Date): DecisionEntry {
  return { name: 'System', comment, timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'), resultingState } as DecisionEntry;
}

/** True when the derived state or any decision's resultingState differs from what is stored. */
export function specDiffers(stored: { state?: string; decisions?: DecisionEntry[] }, derived: SpecUpdate): boolean {
  if (stored.state !== derived.state) return true;
  const decisions = stored.decisions ?? [];
  return decisions.some((decision, i) => decision.resultingState !== derived.decisions[i]?.resultingState);
}
