// One JSON POST with a timeout, for chat, webhook and callback deliveries. Errors name the
// receiver's origin only: webhook URLs often carry a token in their path (Slack, Teams), and the
// error ends up in the Notification's status.

export class DeliveryError extends Error {}

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** The scheme, host and port of `url`, safe to show. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return cause.code;
    if (cause?.message) return cause.message;
    return err.message;
  }
  return String(err);
}

/** POSTs `body` (already serialized JSON); resolves on a 2xx, throws DeliveryError otherwise. */
export async function postJson(url: string, body: string, options: PostOptions = {}): Promise<{ status: number }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeliveryError('invalid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new DeliveryError(`unsupported URL scheme ${parsed.protocol}`);
  let response: Response;
  try {
    response = await fetch(parsed, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'approval-operator', ...options.headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS),
    });
  } catch (err) {
    throw new DeliveryError(`POST to ${parsed.origin} failed: ${describeFailure(err)}`);
  }
  // Drain the body so the connection is reused; its content is not ours to keep (or log).
  await response.arrayBuffer().catch(() => undefined);
  if (response.status < 200 || response.status >= 300) throw new DeliveryError(`POST to ${parsed.origin} answered HTTP ${response.status}`);
  return { status: response.status };
}
