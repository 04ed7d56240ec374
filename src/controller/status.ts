// The desired status of a request or approval, and the minimal patch that gets there.
import { isDeepStrictEqual } from 'node:util';
import { conditionsFor, type Evaluation } from '../engine/index.ts';
import type { ConditionEntry } from '../api/types.ts';
import { apiTime } from '../runtime/time.ts';

export interface StatusInput {
  evaluation: Evaluation;
  strategy: string;
  policyRef?: string;
  generation?: number;
  previousConditions?: ConditionEntry[];
  now: Date;
}

/** The fields both kinds share; callers add their own (approval ref, expiresAt, …). */
export function commonStatus(input: StatusInput): Record<string, unknown> {
  const { evaluation } = input;
  const conditions = conditionsFor(
    evaluation.state,
    evaluation.reason,
    input.generation,
    input.previousConditions as Parameters<typeof conditionsFor>[3],
    apiTime(input.now),
  );
  return {
    availableTransitions: evaluation.availableTransitions,
    conditions,
    lastState: evaluation.state,
    observedGeneration: input.generation,
    strategy: input.strategy,
    policyRef: input.policyRef,
    stages: evaluation.stages.length > 0 ? evaluation.stages : undefined,
  };
}

/**
 * A JSON merge patch for /status holding only the fields whose value differs, or undefined when
 * nothing differs (so an unchanged object costs no write). Fields set to undefined are removed.
 */
export function statusPatch(current: Record<string, unknown> | undefined, desired: Record<string, unknown>): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(desired)) {
    const existing = current?.[field];
    if (value === undefined) {
      if (existing !== undefined) patch[field] = null;
      continue;
    }
    if (!isDeepStrictEqual(stripUndefined(existing), stripUndefined(value))) patch[field] = value;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

function stripUndefined(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}
