// The short text behind the Ready/Approved condition message: what the subject waits for, or who
// decided it.
import type { LastEvent, Replay } from './replay.ts';
import { approversOf, currentStageIndex, type Round, type StageTally } from './round.ts';
import { requiredApprovals } from './stages.ts';
import { SYSTEM_DECIDER } from './types.ts';

export function reasonFor(replay: Replay): string {
  const { state, round, last } = replay;
  switch (state) {
    case 'Pending':
    case 'Semigranted':
      return progressText(round);
    case 'Granted':
      return grantedText(round, last);
    case 'Rejected':
      return decidedText('rejected', last);
    case 'Suspended':
      return decidedText('suspended', last);
    case 'Expired':
      return decidedText('expired', last);
  }
}

function progressText(round: Round): string {
  const index = currentStageIndex(round);
  const tally = index === undefined ? undefined : round[index];
  if (index === undefined || !tally) return `waiting for the ${SYSTEM_DECIDER} decision`;
  const counts = `${tally.approvedBy.length} of ${requiredApprovals(tally.spec)} approvals${missingUsers(tally)}`;
  return round.length === 1 ? counts : `stage ${index + 1} of ${round.length} "${tally.spec.name}": ${counts}`;
}

/** AllMustApprove names the people it still waits for; the other evaluations wait for anyone. */
function missingUsers(tally: StageTally): string {
  if (tally.spec.evaluation !== 'AllMustApprove') return '';
  const missing = [...new Set(tally.spec.approvers?.users ?? [])].filter((user) => !tally.approvedBy.includes(user));
  return missing.length > 0 ? `, waiting for ${missing.join(', ')}` : '';
}

function grantedText(round: Round, last: LastEvent | undefined): string {
  if (last && 'automaticStage' in last) return 'granted without votes: no stage has approvers (outcomeIfNoApprovers Approve)';
  if (last?.action === 'Resume') return `resumed by ${last.by}`;
  if (last?.by === SYSTEM_DECIDER) return `granted by ${SYSTEM_DECIDER}`;
  const approvers = approversOf(round);
  if (approvers.length > 0) return `granted by ${approvers.join(', ')}`;
  return last ? `granted by ${last.by}` : 'granted';
}

function decidedText(verb: string, last: LastEvent | undefined): string {
  if (!last) return verb;
  if ('automaticStage' in last) return `${verb}: stage "${last.automaticStage}" has no approvers`;
  return `${verb} by ${last.by}`;
}
