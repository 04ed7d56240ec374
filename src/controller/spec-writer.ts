// Writes the operator makes to a subject's spec: the derived state, and System decisions appended
// to the stored list (past decisions are never rewritten; the CRD forbids it). Each write is
// guarded by the resourceVersion it was based on: if anyone wrote in between, the API server
// answers 409 and the reconcile starts again from the newer object.
import type { DecisionEntry } from '../api/types.ts';
import { PatchType, type KubeClient } from '../runtime/kube-client.ts';
import { objectPath, type KubeObject, type ResourceType } from '../runtime/resource.ts';
import { apiTime } from '../runtime/time.ts';

export interface SpecUpdate {
  state: string;
  /** The complete list when a decision is appended; absent when only the state changes. */
  decisions?: DecisionEntry[];
  /**
   * metadata.finalizers in the same write (finalizersFor: a request's withdrawal finalizer set or
   * removed as the new state needs, which then costs no write of its own); absent: unchanged.
   */
  finalizers?: string[] | null;
}

/** Patches the spec; resolves with the resourceVersion the object has now. */
export async function writeSpec(client: KubeClient, type: ResourceType, object: KubeObject, update: SpecUpdate): Promise<string | undefined> {
  const { namespace, name, resourceVersion } = object.metadata;
  const spec = update.decisions ? { state: update.state, decisions: update.decisions } : { state: update.state };
  const metadata = update.finalizers !== undefined ? { resourceVersion, finalizers: update.finalizers } : { resourceVersion };
  const written = await client.patch<KubeObject | undefined>(objectPath(type, namespace, name), { metadata, spec }, PatchType.merge);
  return written?.metadata?.resourceVersion;
}

/** Patches /status; resolves with the resourceVersion the object has now. */
export async function writeStatus(client: KubeClient, type: ResourceType, object: KubeObject, patch: Record<string, unknown>): Promise<string | undefined> {
  const { namespace, name } = object.metadata;
  const written = await client.patch<KubeObject | undefined>(objectPath(type, namespace, name, 'status'), { status: patch }, PatchType.merge);
  return written?.metadata?.resourceVersion;
}

export function systemDecision(resultingState: string, comment: string, now: Date): DecisionEntry {
  return { name: 'System', comment, timestamp: apiTime(now), resultingState } as DecisionEntry;
}


