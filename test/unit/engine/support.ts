// Small builders shared by the engine tests.
import type { Decision, State } from '../../../src/engine/index.ts';

export function vote(name: string, resultingState: State, comment?: string): Decision {
  return comment === undefined ? { name, resultingState } : { name, resultingState, comment };
}

export const approve = (name: string): Decision => vote(name, 'Granted');
export const reject = (name: string): Decision => vote(name, 'Rejected');
export const suspend = (name: string): Decision => vote(name, 'Suspended');
export const expire = (name: string): Decision => vote(name, 'Expired');

export function statesOf(decisions: readonly Decision[]): State[] {
  return decisions.map((decision) => decision.resultingState);
}
