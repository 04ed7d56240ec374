// Where a request or an Approval lives in the console. Notifications build their links with the
// same functions the console routes with, so a link in an e-mail always finds its page.

export type ConsoleKind = 'ApprovalRequest' | 'Approval';

const SEGMENT: Record<ConsoleKind, string> = { ApprovalRequest: 'approvalrequests', Approval: 'approvals' };

/** `/ns/<namespace>/approvalrequests/<name>`: the page of one object. */
export function subjectPath(kind: ConsoleKind, namespace: string, name: string): string {
  return `/ns/${encodeURIComponent(namespace)}/${SEGMENT[kind]}/${encodeURIComponent(name)}`;
}

/** The kind a path segment names, or undefined. */
export function kindOfSegment(segment: string): ConsoleKind | undefined {
  return segment === 'approvalrequests' ? 'ApprovalRequest' : segment === 'approvals' ? 'Approval' : undefined;
}

/** The absolute link to an object's page under the console's public URL (`--console-url`). */
export function subjectLink(consoleUrl: string, kind: ConsoleKind, namespace: string, name: string): string {
  return consoleUrl.replace(/\/+$/, '') + subjectPath(kind, namespace, name);
}
