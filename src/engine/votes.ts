// How a recorded decision reads as a vote. Seed-003 decisions carry only the state their author
// wanted, so the vote is derived from `resultingState`, and the action from the state it meets.
import type { Action, State } from './types.ts';

export type Vote = 'approve' | 'reject' | 'suspend' | 'expire';

const VOTE_BY_STATE: Partial<Record<string, Vote>> = {
  Granted: 'approve',
  Semigranted: 'approve',
  Rejected: 'reject',
  Suspended: 'suspend',
  Expired: 'expire',
};

/** The vote a decision expresses; `undefined` for Pending (and for any value outside the enum). */
export function voteOf(resultingState: string): Vote | undefined {
  return VOTE_BY_STATE[resultingState];
}

/** An approval of a suspended grant is a resume; everywhere else it is an allow. */
export function actionOf(vote: Vote, current: State): Action {
  switch (vote) {
    case 'approve':
      return current === 'Suspended' ? 'Resume' : 'Allow';
    case 'reject':
      return 'Deny';
    case 'suspend':
      return 'Suspend';
    case 'expire':
      return 'Expire';
  }
}
