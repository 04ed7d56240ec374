// Replays the decisions of a request or a grant in order and derives the state they justify.
// Each decision is one vote; a vote that is not a legal transition changes nothing.
import { reasonFor } from './reason.ts';
import { collectsVotes, endsRound, enter, remembered, startReplay, withAutomaticOutcome, type Replay } from './replay.ts';
import {
  approveAll,
  approversOf,
  currentStageIndex,
  freshRound,
  isApproved,
  isRejected,
  progressOf,
  settle,
  withApproval,
  withRejection,
  type Round,
} from './round.ts';
import { DEFAULT_TEAM_GROUP_PREFIX, isEligible, resolveStages, type Voter } from './stages.ts';
import { availableTransitions, findRule } from './transitions.ts';
import {
  SYSTEM_DECIDER,
  type Decision,
  type Evaluation,
  type EvaluationInput,
  type IgnoredDecision,
  type StageSpec,
  type State,
  type Strategy,
  type SubjectKind,
  type TransitionRule,
} from './types.ts';
import { actionOf, voteOf, type Vote } from './votes.ts';

interface Context {
  kind: SubjectKind;
  strategy: Strategy;
  stages: StageSpec[];
  deciderGroups: Record<string, string[]>;
  teamGroupPrefix: string;
}

type Step =
  | { kind: 'applied'; replay: Replay; resultingState: State }
  | { kind: 'repeat' }
  | { kind: 'ignored'; reason: string };

const REPEAT: Step = { kind: 'repeat' };

function ignored(reason: string): Step {
  return { kind: 'ignored', reason };
}

function applied(replay: Replay, resultingState: State = replay.state): Step {
  return { kind: 'applied', replay, resultingState };
}

export function evaluate(input: EvaluationInput): Evaluation {
  const context: Context = {
    kind: input.kind,
    strategy: input.strategy,
    stages: resolveStages(input.strategy, input.stages),
    deciderGroups: input.deciderGroups ?? {},
    teamGroupPrefix: input.teamGroupPrefix ?? DEFAULT_TEAM_GROUP_PREFIX,
  };
  let replay = startReplay(context.stages, input.initialState);
  const decisions: Decision[] = [];
  const ignoredDecisions: IgnoredDecision[] = [];
  const states: State[] = [replay.state];
  input.decisions.forEach((decision, index) => {
    const step = replayDecision(context, replay, decision);
    if (step.kind === 'ignored') ignoredDecisions.push({ index, reason: step.reason });
    if (step.kind === 'applied') replay = step.replay;
    decisions.push({ ...decision, resultingState: resultingStateOf(step, replay, decision) });
    states.push(replay.state);
  });
  return {
    state: replay.state,
    availableTransitions: availableTransitions(context.kind, context.strategy, replay.state),
    stages: progressOf(replay.round),
    decisions,
    ignored: ignoredDecisions,
    states,
    reason: reasonFor(replay),
  };
}

/**
 * What a decision produced: the state after it. An ignored decision stays as written: rewritten
 * to the state before it, it would mean something on replay (an ignored Suspend of a Semigranted
 * request would read as an approval), and the controller writes these decisions back.
 */
function resultingStateOf(step: Step, replay: Replay, decision: Decision): State {
  if (step.kind === 'applied') return step.resultingState;
  return step.kind === 'repeat' ? replay.state : decision.resultingState;
}

function replayDecision(context: Context, replay: Replay, decision: Decision): Step {
  const vote = voteOf(decision.resultingState);
  if (!vote) return ignored(`resultingState ${JSON.stringify(decision.resultingState)} is not a vote`);
  const step = replayVote(context, replay, decision, vote);
  return step.kind === 'applied' ? { ...step, replay: remembered(step.replay, decision.name, vote) } : step;
}

function replayVote(context: Context, replay: Replay, decision: Decision, vote: Vote): Step {
  const name = decision.name;
  const action = actionOf(vote, replay.state);
  const rule = findRule(context.kind, context.strategy, replay.state, action);
  if (!rule) {
    if (isRepeat(replay, name, vote)) return REPEAT;
    return ignored(`no ${action} transition from ${replay.state} (${context.strategy} ${context.kind})`);
  }
  if (rule.systemOnly && name !== SYSTEM_DECIDER) {
    return ignored(`only the ${SYSTEM_DECIDER} decider may take ${action} from ${replay.state} (${context.strategy} ${context.kind})`);
  }
  if (action === 'Allow') return allow(context, replay, decision, rule);
  if (action === 'Deny' && collectsVotes(replay.state)) return denyInStage(context, replay, decision);
  return applied(enter(replay, rule.to, replay.round, { by: name, action }));
}

/**
 * The same person voting the same way again, with nothing changed in between, or approving again
 * in a round that already counts their approval: accepted, counted once, no error.
 */
function isRepeat(replay: Replay, name: string, vote: Vote): boolean {
  const last = replay.lastVotes.get(name);
  if (last && last.vote === vote && last.changes === replay.changes) return true;
  return vote === 'approve' && !endsRound(replay.state) && approversOf(replay.round).includes(name);
}

/** The voter's groups: those captured with the decision at admission, else the caller's map. */
function voterOf(context: Context, decision: Decision): Voter {
  const { name } = decision;
  const known = Object.hasOwn(context.deciderGroups, name) ? context.deciderGroups[name] : undefined;
  return { name, groups: decision.groups ?? known ?? [] };
}

function notAnApprover(name: string, stage: StageSpec): string {
  return `${name} is not an approver of stage "${stage.name}"`;
}

function allow(context: Context, replay: Replay, decision: Decision, rule: TransitionRule): Step {
  const name = decision.name;
  const round = endsRound(replay.state) ? settle(freshRound(context.stages)) : replay.round;
  // The operator's own grant (Auto, trusted teams) completes every stage at once.
  if (name === SYSTEM_DECIDER) return grant(replay, approveAll(round), name);
  const index = currentStageIndex(round);
  const tally = index === undefined ? undefined : round[index];
  if (index === undefined || !tally) {
    const rejected = round.find((stage) => stage.state === 'Rejected');
    return rejected ? ignored(`stage "${rejected.spec.name}" has no approvers`) : grant(replay, round, name);
  }
  if (tally.approvedBy.includes(name)) return REPEAT;
  if (!isEligible(tally.spec, voterOf(context, decision), context.teamGroupPrefix)) {
    return isRepeat(replay, name, 'approve') ? REPEAT : ignored(notAnApprover(name, tally.spec));
  }
  const counted = withApproval(round, index, name);
  // A row straight to Granted (e.g. re-granting an expired FourEyes grant) grants without a quorum.
  const quorumWaived = rule.to === 'Granted' && replay.state !== 'Semigranted';
  if (quorumWaived || isApproved(counted)) return grant(replay, approveAll(counted), name);
  const semigranted = enter(replay, 'Semigranted', counted, { by: name, action: 'Allow' });
  // A later stage without approvers may reject now; that outcome is not the voter's.
  return isRejected(counted) ? applied(withAutomaticOutcome(semigranted), 'Semigranted') : applied(semigranted);
}

function grant(replay: Replay, round: Round, name: string): Step {
  return applied(enter(replay, 'Granted', round, { by: name, action: 'Allow' }));
}

function denyInStage(context: Context, replay: Replay, decision: Decision): Step {
  const name = decision.name;
  const index = currentStageIndex(replay.round);
  const tally = index === undefined ? undefined : replay.round[index];
  if (index === undefined || !tally) return applied(enter(replay, 'Rejected', replay.round, { by: name, action: 'Deny' }));
  if (name !== SYSTEM_DECIDER && !isEligible(tally.spec, voterOf(context, decision), context.teamGroupPrefix)) {
    return ignored(notAnApprover(name, tally.spec));
  }
  const round = withRejection(replay.round, index, name);
  return applied(enter(replay, 'Rejected', round, { by: name, action: 'Deny' }));
}
