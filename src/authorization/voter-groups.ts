// A voter's groups are known only at admission, where the API server tells who is writing. The
// stages that count them are replayed later by the controller, so the groups a stage needs are
// captured with the decision: only those, so a decision does not copy a person's whole group list.
import { approverGroups, type StageSpec } from '../engine/index.ts';

/** Every group the stages count (their groups and their teams' groups). */
export function stageGroups(stages: readonly StageSpec[], teamGroupPrefix: string): Set<string> {
  return new Set(stages.flatMap((stage) => approverGroups(stage, teamGroupPrefix)));
}

/** The groups of `groups` that the stages count, in the stages' order; undefined when none. */
export function capturedGroups(groups: readonly string[] | undefined, stages: readonly StageSpec[], teamGroupPrefix: string): string[] | undefined {
  const held = new Set(groups ?? []);
  const captured = [...stageGroups(stages, teamGroupPrefix)].filter((group) => held.has(group));
  return captured.length > 0 ? captured : undefined;
}
