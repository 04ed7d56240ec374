// The state machines (docs/engine.md; facts of the seed-003 reference implementation), written as
// data so that the controller, the admission webhook, the CLI and generated docs read the same rows.
import type { Action, State, Strategy, SubjectKind, Transition, TransitionRule } from './types.ts';

// Frozen because every caller shares these rows; a caller that edits one would change the rules.
function table(rules: TransitionRule[]): readonly TransitionRule[] {
  for (const rule of rules) {
    Object.freeze(rule.from);
    Object.freeze(rule);
  }
  return Object.freeze(rules);
}

function requestExpire(): TransitionRule {
  return { action: 'Expire', from: ['Pending', 'Semigranted'], to: 'Expired', operatorOnly: true };
}

const REQUEST_TABLES: Record<Strategy, readonly TransitionRule[]> = {
  // Auto requests have no human transitions: the operator grants them at once with a System decision.
  Auto: table([{ action: 'Allow', from: ['Pending'], to: 'Granted', systemOnly: true }, requestExpire()]),
  Simple: table([
    { action: 'Allow', from: ['Pending', 'Rejected'], to: 'Granted' },
    { action: 'Deny', from: ['Pending'], to: 'Rejected' },
    requestExpire(),
  ]),
  FourEyes: fourEyesRequestTable(),
  // The stages' quorum decides whether an Allow stays Semigranted or reaches Granted.
  MultiStage: fourEyesRequestTable(),
};

function fourEyesRequestTable(): readonly TransitionRule[] {
  return table([
    { action: 'Allow', from: ['Pending', 'Rejected'], to: 'Semigranted' },
    { action: 'Deny', from: ['Pending', 'Semigranted'], to: 'Rejected' },
    { action: 'Allow', from: ['Semigranted'], to: 'Granted' },
    requestExpire(),
  ]);
}

function approvalLifecycle(): TransitionRule[] {
  return [
    { action: 'Suspend', from: ['Granted'], to: 'Suspended' },
    { action: 'Resume', from: ['Suspended'], to: 'Granted' },
    { action: 'Expire', from: ['Granted', 'Suspended'], to: 'Expired', operatorOnly: true },
  ];
}

const APPROVAL_TABLES: Record<Strategy, readonly TransitionRule[]> = {
  Auto: table([
    { action: 'Allow', from: ['Rejected', 'Expired'], to: 'Granted' },
    { action: 'Deny', from: ['Granted', 'Expired'], to: 'Rejected' },
    ...approvalLifecycle(),
  ]),
  // "As Auto, plus Allow from Pending and Deny from Pending."
  Simple: table([
    { action: 'Allow', from: ['Pending', 'Rejected', 'Expired'], to: 'Granted' },
    { action: 'Deny', from: ['Pending', 'Granted', 'Expired'], to: 'Rejected' },
    ...approvalLifecycle(),
  ]),
  FourEyes: fourEyesApprovalTable(),
  MultiStage: fourEyesApprovalTable(),
};

function fourEyesApprovalTable(): readonly TransitionRule[] {
  return table([
    { action: 'Allow', from: ['Pending', 'Rejected'], to: 'Semigranted' },
    { action: 'Deny', from: ['Pending', 'Granted', 'Semigranted', 'Expired'], to: 'Rejected' },
    { action: 'Allow', from: ['Semigranted', 'Expired'], to: 'Granted' },
    ...approvalLifecycle(),
  ]);
}

/** The rows of one state machine, in the order docs/engine.md lists them. */
export function transitionTable(kind: SubjectKind, strategy: Strategy): readonly TransitionRule[] {
  return kind === 'ApprovalRequest' ? REQUEST_TABLES[strategy] : APPROVAL_TABLES[strategy];
}

/** Whether a person (not the operator's clock or its System grant) can take this row. */
export function isPersonal(rule: TransitionRule): boolean {
  return !rule.operatorOnly && !rule.systemOnly;
}

/**
 * Every `{action, to}` a person can take from `state`, in table order, without duplicates.
 * Consumers render these as buttons, so the operator's own rows (Expire, the Auto grant) are left out.
 */
export function availableTransitions(kind: SubjectKind, strategy: Strategy, state: State): Transition[] {
  const result: Transition[] = [];
  for (const rule of transitionTable(kind, strategy)) {
    const seen = result.some((t) => t.action === rule.action && t.to === rule.to);
    if (isPersonal(rule) && rule.from.includes(state) && !seen) result.push({ action: rule.action, to: rule.to });
  }
  return result;
}

/** The row that `action` takes from `state`; the tables have at most one per pair. */
export function findRule(kind: SubjectKind, strategy: Strategy, state: State, action: Action): TransitionRule | undefined {
  return transitionTable(kind, strategy).find((rule) => rule.action === action && rule.from.includes(state));
}
