// Live updates: a Server-Sent Events stream per open page. It watches, with the person's own
// token, what the page shows (one object, or the lists), from the resourceVersion the page was
// rendered at, and sends `changed` at the first change; the page then fetches itself again and
// opens a new stream. A stream ends after `maxSeconds` with `reconnect` (no connection lives
// forever), with `expired` when the API server no longer accepts the token, and with
// `unavailable` when the person may read but not watch.
import type { ServerResponse } from 'node:http';
import { ApiError, type KubeClient } from '../runtime/kube-client.ts';
import { collectionPath } from '../runtime/resource.ts';
import { approvalRequestResource, approvalResource } from '../api/resources.ts';
import type { ConsoleKind } from './links.ts';
import { resourceOfKind } from './subjects.ts';

export interface LiveScope {
  /** One object's page, or (absent) the lists. */
  object?: { kind: ConsoleKind; namespace: string; name: string };
  /** The lists' namespaces; undefined = every namespace. */
  namespaces?: string[];
  since?: string;
}

/** `/live?…` for a page. */
export function liveUrl(scope: LiveScope): string {
  const query = new URLSearchParams();
  if (scope.object) {
    query.set('kind', scope.object.kind);
    query.set('ns', scope.object.namespace);
    query.set('name', scope.object.name);
  } else if (scope.namespaces) {
    query.set('ns', scope.namespaces.join(','));
  }
  if (scope.since) query.set('since', scope.since);
  return `/live?${query}`;
}

export function parseLiveScope(query: Record<string, string | undefined>): LiveScope {
  const since = query.since && /^\d+$/.test(query.since) ? query.since : undefined;
  if ((query.kind === 'ApprovalRequest' || query.kind === 'Approval') && query.ns && query.name) {
    return { object: { kind: query.kind, namespace: query.ns, name: query.name }, since };
  }
  return { namespaces: query.ns ? query.ns.split(',').filter(Boolean) : undefined, since };
}

/** The watch requests of a scope: paths with their query. */
function watches(scope: LiveScope): Array<{ path: string; fieldSelector?: string }> {
  if (scope.object) {
    const { kind, namespace, name } = scope.object;
    return [{ path: collectionPath(resourceOfKind(kind), namespace), fieldSelector: `metadata.name=${name}` }];
  }
  const namespaces = scope.namespaces ?? [undefined];
  return namespaces.flatMap((ns) => [{ path: collectionPath(approvalRequestResource, ns) }, { path: collectionPath(approvalResource, ns) }]);
}

type Outcome = 'changed' | 'expired' | 'unavailable' | 'ended';

/** Resolves with the reason the watch ended: a change, the end of time, or an auth failure. */
async function watchOnce(client: KubeClient, path: string, fieldSelector: string | undefined, since: string | undefined, signal: AbortSignal): Promise<Outcome> {
  let response;
  try {
    response = await client.send('GET', path, {
      query: { watch: 'true', allowWatchBookmarks: 'true', resourceVersion: since, fieldSelector, timeoutSeconds: 290 },
      signal,
    });
  } catch (err) {
    if (signal.aborted) return 'ended';
    throw err;
  }
  if (response.status === 401) return 'expired';
  // May read but not watch: no live updates (reading again would only be refused again).
  if (response.status === 403) return 'unavailable';
  // 410 Gone: the page's version is too old; it reads itself again and watches from a new one.
  if (response.status === 410) return 'changed';
  if (!response.ok || !response.body) return 'ended';
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const event = JSON.parse(line) as { type?: string };
        // Without a starting version the watch first lists what exists (ADDED): not a change.
        if (event.type === 'BOOKMARK' || (since === undefined && event.type === 'ADDED')) continue;
        return 'changed';
      }
    }
  } catch (err) {
    if (signal.aborted) return 'ended';
    if (!(err instanceof ApiError)) return 'ended';
    throw err;
  }
  return 'ended';
}

export interface LiveOptions {
  maxSeconds?: number;
  heartbeatSeconds?: number;
}

/** Streams `scope`'s changes to `res` as Server-Sent Events until one happens or time is up. */
export async function streamChanges(client: KubeClient, scope: LiveScope, res: ServerResponse, options: LiveOptions = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  res.write('retry: 5000\n\n');
  const controller = new AbortController();
  const send = (event: string) => {
    if (!res.writableEnded) res.end(`event: ${event}\ndata: {}\n\n`);
    controller.abort();
  };
  res.on('close', () => controller.abort());
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), (options.heartbeatSeconds ?? 25) * 1000);
  const timer = setTimeout(() => send('reconnect'), (options.maxSeconds ?? 280) * 1000);
  try {
    const outcomes = watches(scope).map((w) =>
      watchOnce(client, w.path, w.fieldSelector, scope.since, controller.signal).then((outcome) => {
        if (outcome !== 'ended') send(outcome);
        return outcome;
      }),
    );
    const results = await Promise.allSettled(outcomes);
    if (results.every((r) => r.status === 'fulfilled' && r.value === 'ended')) send('reconnect');
    if (results.some((r) => r.status === 'rejected')) send('reconnect');
  } finally {
    clearInterval(heartbeat);
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  }
}
