// One JSON POST, for chat, webhook and callback deliveries, under the outbound policy
// (outbound-policy.ts). The policy is enforced where the connection is made: undici's connector
// resolves the host name itself, checks every address, and connects to a checked address (TLS
// still verifies the certificate against the host name), so DNS cannot answer one address to a
// check and another to the connection. Redirects are not followed; the answer's body is read to
// at most 64 KiB and thrown away; the whole exchange has one deadline.
//
// What reaches the Notification's status (readable by whoever wrote the URL) is kept to what does
// not turn the operator into a scanner of networks the writer cannot reach: the policy's own
// verdict, or "no HTTP answer" for every network failure (refused, reset, unreachable, timed out,
// TLS), or the HTTP status of an answer. Never the answer's body, and only the URL's origin (chat
// URLs carry their token in the path). The cause of a failure goes to the operator's log
// (`DeliveryError.detail`).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, request } from 'undici';
import { OutboundPolicy, normalizeAddress, type OutboundPolicyOptions } from './outbound-policy.ts';

export class DeliveryError extends Error {
  /** For the operator's log only: what the status does not say. */
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail;
  }
}

/** A connection the policy refused; `message` is safe to show, `detail` is for the log. */
export class OutboundRefusal extends Error {
  readonly detail?: string;

  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'OutboundRefusal';
    this.detail = detail;
  }
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

export interface OutboundHttpOptions extends OutboundPolicyOptions {
  /** Resolves a host name to its addresses (default: the system resolver, as every client uses). */
  resolve?: (host: string) => Promise<ResolvedAddress[]>;
  /** At most this much of an answer's body is read (default 64 KiB); the rest is dropped with the connection. */
  maxResponseBytes?: number;
}

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** The client (and policy) to use; default: the strict policy (https to global addresses only). */
  outbound?: OutboundHttp;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/** The scheme, host and port of `url`, safe to show. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

const systemResolve = async (host: string): Promise<ResolvedAddress[]> => lookup(host, { all: true, verbatim: true });

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = (e as Error & { cause?: unknown }).cause, depth++) {
    const code = (e as Error & { code?: string }).code;
    parts.push([e.name, code, e.message].filter(Boolean).join(' '));
  }
  return parts.join(' <- ');
}

export const NO_ANSWER = 'no HTTP answer (connection, TLS or deadline failure; the cause is in the operator log)';

/** Chat, webhook and callback POSTs under one outbound policy, through one connection pool. */
export class OutboundHttp {
  readonly policy: OutboundPolicy;
  private readonly agent: Agent;
  private readonly resolve: (host: string) => Promise<ResolvedAddress[]>;
  private readonly maxResponseBytes: number;

  constructor(options: OutboundHttpOptions = {}) {
    this.policy = new OutboundPolicy(options);
    this.resolve = options.resolve ?? systemResolve;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const connect = buildConnector({ timeout: DEFAULT_HTTP_TIMEOUT_MS });
    this.agent = new Agent({
      connect: (opts, callback) => {
        const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
        this.checkedAddress(opts.hostname, port).then(
          (address) => {
            // TLS verifies the certificate against the host name of the URL, not the address.
            const servername = opts.protocol === 'https:' && isIP(opts.hostname) === 0 ? (opts.servername ?? opts.hostname) : undefined;
            connect({ ...opts, hostname: address, servername }, callback);
          },
          (err: unknown) => callback(err as Error, null),
        );
      },
    });
  }

  /**
   * The address to connect to for `host`: the literal, or the first resolved address the policy
   * allows. A literal the policy refuses is named with the policy's reason (the writer wrote it);
   * for a host name the refusal does not tell what it resolved to, nor tell an unknown name from
   * one that resolves only to refused addresses (internal DNS is not for the writer to explore).
   */
  private async checkedAddress(host: string, port: number): Promise<string> {
    if (isIP(host) !== 0) {
      const verdict = this.policy.checkAddress(host, host, port);
      if (!verdict.allowed) throw new OutboundRefusal(verdict.reason);
      return host;
    }
    const refused = `${host} does not resolve to an address the outbound policy allows`;
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.resolve(host);
    } catch (err) {
      throw new OutboundRefusal(refused, `lookup of ${host} failed: ${causeOf(err)}`);
    }
    const reasons: string[] = [];
    for (const { address } of addresses) {
      const verdict = this.policy.checkAddress(host, address, port);
      if (verdict.allowed) return normalizeAddress(address);
      reasons.push(verdict.reason);
    }
    throw new OutboundRefusal(refused, reasons.length > 0 ? `${host}: ${reasons.join('; ')}` : `${host} has no address`);
  }

  /** POSTs `body` (already serialized JSON); resolves on a 2xx, throws DeliveryError otherwise. */
  async post(url: string, body: string, options: Omit<PostOptions, 'outbound'> = {}): Promise<{ status: number }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new DeliveryError('invalid URL');
    }
    const origin = parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : parsed.protocol;
    const schemeRefusal = this.policy.checkUrl(parsed);
    if (schemeRefusal) throw new DeliveryError(`POST to ${origin} refused by the outbound policy: ${schemeRefusal}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    try {
      const response = await request(parsed, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', 'user-agent': 'approval-operator', ...options.headers },
        body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      // Read (a bounded part of) the body so the connection can be reused; its content is not ours to keep or show.
      await response.body.dump({ limit: this.maxResponseBytes, signal }).catch(() => undefined);
    } catch (err) {
      const refusal = findRefusal(err);
      if (refusal) throw new DeliveryError(`POST to ${origin} refused by the outbound policy: ${refusal.message}`, refusal.detail);
      throw new DeliveryError(`POST to ${origin} failed: ${NO_ANSWER}`, causeOf(err));
    }
    if (status >= 300 && status < 400) throw new DeliveryError(`POST to ${origin} answered HTTP ${status} (redirects are not followed)`);
    if (status < 200 || status >= 300) throw new DeliveryError(`POST to ${origin} answered HTTP ${status}`);
    return { status };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function findRefusal(err: unknown): OutboundRefusal | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = (e as Error & { cause?: unknown }).cause, depth++) {
    if (e instanceof OutboundRefusal) return e;
  }
  return undefined;
}

let strict: OutboundHttp | undefined;

/** The client of the strict policy: https to global unicast addresses only. */
export function strictOutbound(): OutboundHttp {
  strict ??= new OutboundHttp();
  return strict;
}

/** POSTs `body` with `options.outbound` (default: the strict policy). */
export function postJson(url: string, body: string, options: PostOptions = {}): Promise<{ status: number }> {
  const { outbound = strictOutbound(), ...rest } = options;
  return outbound.post(url, body, rest);
}
