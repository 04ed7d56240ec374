// The parts of the Kubernetes REST protocol every client shares, free of any HTTP library: patch
// content types, query parameters and the error Status. The operator's KubeClient (undici) and
// the kubectl plugin's client (node:https, for Node 20) both use them.

export const PatchType = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = (typeof PatchType)[keyof typeof PatchType];

/** The `Status` body the API server returns with an error. */
export interface ApiStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: ApiStatus | undefined;

  constructor(status: number, method: string, path: string, body: ApiStatus | undefined) {
    super(`${method} ${path}: ${status} ${body?.reason ?? ''} ${body?.message ?? ''}`.trim());
    this.status = status;
    this.reason = body?.reason ?? '';
    this.body = body;
  }
}

export const isNotFound = (err: unknown) => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown) => err instanceof ApiError && err.status === 409;
export const isAlreadyExists = (err: unknown) => isConflict(err) && (err as ApiError).reason === 'AlreadyExists';
export const isGone = (err: unknown) => err instanceof ApiError && err.status === 410;
/** A create refused because its namespace is being deleted (admission plugin NamespaceLifecycle). */
export const isNamespaceTerminating = (err: unknown) =>
  err instanceof ApiError &&
  err.status === 403 &&
  ((err.body?.details as { causes?: Array<{ type?: string }> } | undefined)?.causes?.some((cause) => cause.type === 'NamespaceTerminating') === true ||
    /because it is being terminated/.test(err.body?.message ?? ''));

export type Query = Record<string, string | number | boolean | undefined>;
