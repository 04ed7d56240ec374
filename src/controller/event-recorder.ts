// Kubernetes Events (events.k8s.io/v1) for transitions. Names are derived from the object and the
// transition, so a repeated reconcile of the same transition finds its event already there.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { isAlreadyExists, type KubeClient } from '../runtime/kube-client.ts';
import { collectionPath, core, type KubeObject } from '../runtime/resource.ts';
import { apiMicroTime } from '../runtime/time.ts';

export interface EventRecord {
  reason: string;
  note: string;
  type?: 'Normal' | 'Warning';
  /** Distinguishes this occurrence from earlier ones with the same reason (e.g. the transition number). */
  occurrence: string;
}

export const REPORTING_CONTROLLER = 'approval.cp.ei.telekom.de/approval-operator';

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly instance: string;
  private readonly log: Logger;

  constructor(client: KubeClient, instance: string, log: Logger) {
    this.client = client;
    this.instance = instance;
    this.log = log;
  }

  async record(object: KubeObject, event: EventRecord): Promise<void> {
    const { name, namespace, uid } = object.metadata;
    if (!namespace) return;
    const suffix = createHash('sha256').update(`${uid}/${event.reason}/${event.occurrence}`).digest('hex').slice(0, 16);
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${name}.${suffix}`, namespace },
      eventTime: apiMicroTime(new Date()),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance,
      action: 'Reconcile',
      reason: event.reason,
      note: event.note.slice(0, 1024),
      type: event.type ?? 'Normal',
      regarding: { apiVersion: object.apiVersion, kind: object.kind, name, namespace, uid },
    };
    try {
      await this.client.create(collectionPath(core.event, namespace), body);
    } catch (err) {
      if (isAlreadyExists(err)) return;
      // An event is informational: failing to record one must not fail the reconcile.
      this.log.warn({ err: String(err), object: `${namespace}/${name}`, reason: event.reason }, 'could not record event');
    }
  }
}
