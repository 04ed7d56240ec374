// How the bench sees results: a watch (list + watch over HTTP/1.1, h1-watch.ts) on the
// ApprovalRequests and Approvals of one namespace, never polling. Every event is stamped with the
// time it arrived; scenarios wait for conditions over what has been seen so far.
import type { Approval, ApprovalRequest } from '../../src/api/types.ts';
import { approvalRequestResource, approvalResource } from '../../src/api/resources.ts';
import { collectionPath } from '../../src/runtime/resource.ts';
import { H1Watch } from './h1-watch.ts';

export interface Seen {
  /** Request name → first time its status.lastState was seen as each state. */
  requestState: Map<string, Map<string, number>>;
  /** Request name (approvedRequest.name) → first time an Approval for it was seen. */
  approvalFor: Map<string, number>;
  /** Request name → first time its Approval's status.lastState was seen as each state. */
  approvalState: Map<string, Map<string, number>>;
  /** Request name → first time it was seen Granted (status.lastState) with its Approval existing. */
  grantedWithApproval: Map<string, number>;
}

type Waiter = { check: () => boolean; resolve: (at: number) => void };

export class SubjectWatcher {
  readonly requests: H1Watch<ApprovalRequest>;
  readonly approvals: H1Watch<Approval>;
  readonly seen: Seen = { requestState: new Map(), approvalFor: new Map(), approvalState: new Map(), grantedWithApproval: new Map() };
  /** Counts of requests per lastState and of approvals per lastState, kept current. */
  readonly requestsIn = new Map<string, number>();
  readonly approvalsIn = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  /** Arrival time of the last event (either kind). */
  lastEventAt = performance.now();
  private readonly requestStates = new Map<string, string>();
  private readonly approvalStates = new Map<string, string>();

  /** `kubeconfig`: an admin kubeconfig (client certificate), as the bench cluster writes it. */
  constructor(kubeconfig: string, namespace: string) {
    this.requests = new H1Watch<ApprovalRequest>(kubeconfig, collectionPath(approvalRequestResource, namespace));
    this.approvals = new H1Watch<Approval>(kubeconfig, collectionPath(approvalResource, namespace));
    this.requests.addHandler(({ type, object }) => {
      const at = performance.now();
      const name = object.metadata.name;
      const now = type === 'DELETED' ? undefined : object.status?.lastState;
      track(this.requestStates, this.requestsIn, name, now);
      if (now) firstTime(this.seen.requestState, name, now, at);
      if (now === 'Granted') this.checkGrantedWithApproval(name, at);
      this.notify(at);
    });
    this.approvals.addHandler(({ type, object }) => {
      const at = performance.now();
      const request = object.spec.approvedRequest?.name;
      const now = type === 'DELETED' ? undefined : object.status?.lastState;
      track(this.approvalStates, this.approvalsIn, object.metadata.name, now);
      if (request && type !== 'DELETED') {
        if (!this.seen.approvalFor.has(request)) this.seen.approvalFor.set(request, at);
        if (now) firstTime(this.seen.approvalState, request, now, at);
        this.checkGrantedWithApproval(request, at);
      }
      this.notify(at);
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.requests.start(), this.approvals.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.requests.stop(), this.approvals.stop()]);
  }

  requestsInState(state: string): number {
    return this.requestsIn.get(state) ?? 0;
  }

  approvalsInState(state: string): number {
    return this.approvalsIn.get(state) ?? 0;
  }

  /** Resolves with the arrival time of the event after which `check` first holds. */
  waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
    if (check()) return Promise.resolve(performance.now());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private checkGrantedWithApproval(name: string, at: number): void {
    if (this.seen.grantedWithApproval.has(name)) return;
    if (this.seen.approvalFor.has(name) && this.seen.requestState.get(name)?.has('Granted')) this.seen.grantedWithApproval.set(name, at);
  }

  private notify(at: number): void {
    this.lastEventAt = at;
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve(at);
      }
    }
  }
}

/** Keeps `counts` (objects per state) current from each object's latest state. */
function track(states: Map<string, string>, counts: Map<string, number>, name: string, now: string | undefined): void {
  const before = states.get(name);
  if (before === now) return;
  if (before !== undefined) counts.set(before, (counts.get(before) ?? 1) - 1);
  if (now !== undefined) {
    counts.set(now, (counts.get(now) ?? 0) + 1);
    states.set(name, now);
  } else states.delete(name);
}

function firstTime(map: Map<string, Map<string, number>>, name: string, state: string, at: number): void {
  let states = map.get(name);
  if (!states) map.set(name, (states = new Map()));
  if (!states.has(state)) states.set(state, at);
}
