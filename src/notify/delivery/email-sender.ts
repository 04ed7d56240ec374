// E-mail through SMTP with nodemailer: one transport per SMTP URL with explicit
// connection, greeting and socket timeouts, so a dead or hanging server fails an attempt instead of
// blocking a worker. The Message-ID is derived from the Notification's uid and the channel key, so
// a message re-sent after a crash (between the send and the status write) is the same message to
// the receiving side, which de-duplicates it.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import { DeliveryError } from './http.ts';
import { hasControlCharacters, isPlainAddress, shownAddress } from './recipients.ts';

export interface SmtpTimeouts {
  /** Time to open the TCP (and TLS) connection (default 10 s). */
  connectionTimeoutMs?: number;
  /** Time for the server's greeting once connected (default 10 s). */
  greetingTimeoutMs?: number;
  /** Idle time on the socket during the exchange (default 30 s). */
  socketTimeoutMs?: number;
}

export interface EmailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  /** Extra headers, e.g. which Notification this is. */
  headers?: Record<string, string>;
}

export interface EmailResult {
  accepted: string[];
  rejected: string[];
}

interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
}

/** Reads `smtp://[user:pass@]host[:port]` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
export function parseSmtpUrl(smtpUrl: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error(`invalid SMTP URL ${redactSmtpUrl(smtpUrl)}`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP URL must start with smtp:// or smtps://, got ${url.protocol}//`);
  if (!url.hostname) throw new Error('SMTP URL has no host');
  const secure = url.protocol === 'smtps:';
  const settings: SmtpSettings = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 25,
    secure,
  };
  if (url.username || url.password) settings.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  return settings;
}

/** The SMTP URL without its password, for logs. */
export function redactSmtpUrl(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable SMTP URL)';
  }
}

/**
 * `<uid.channel@domain>`: the same for every attempt of one Notification and channel. The domain is
 * the sender's (RFC 5322 recommends a domain the sender controls), else `approval-operator.local`.
 */
export function messageIdFor(uid: string, channelKey: string, from?: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from ?? '')?.[1] ?? 'approval-operator.local';
  const readable = channelKey.replace(/[^A-Za-z0-9-]+/g, '.');
  // A short hash keeps two keys that differ only in punctuation apart.
  const hash = createHash('sha256').update(channelKey).digest('hex').slice(0, 8);
  return `<${uid}.${readable}.${hash}@${domain}>`;
}

export class EmailSender {
  readonly smtpUrl: string;
  private readonly transport: ReturnType<typeof nodemailer.createTransport>;

  constructor(smtpUrl: string, timeouts: SmtpTimeouts = {}) {
    this.smtpUrl = smtpUrl;
    const settings = parseSmtpUrl(smtpUrl);
    this.transport = nodemailer.createTransport({
      ...settings,
      connectionTimeout: timeouts.connectionTimeoutMs ?? 10_000,
      greetingTimeout: timeouts.greetingTimeoutMs ?? 10_000,
      socketTimeout: timeouts.socketTimeoutMs ?? 30_000,
      // Mail goes out one message per attempt: no pool, no connection left open between attempts.
      pool: false,
    });
  }

  /** Sends one message; resolves when the server accepted it for at least one recipient. */
  async send(message: EmailMessage): Promise<EmailResult> {
    if (message.to.length === 0) throw new DeliveryError('no recipients');
    // The caller drops invalid addresses (filterRecipients); this is the last line against a header of one's own.
    const invalid = message.to.find((address) => !isPlainAddress(address));
    if (invalid !== undefined) throw new DeliveryError(`invalid recipient address ${shownAddress(invalid)}`);
    if (hasControlCharacters(message.from)) throw new DeliveryError(`invalid sender address ${shownAddress(message.from)}`);
    try {
      const info = await this.transport.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId: message.messageId,
        headers: { 'Auto-Submitted': 'auto-generated', ...message.headers },
      });
      return { accepted: (info.accepted ?? []).map(String), rejected: (info.rejected ?? []).map(String) };
    } catch (err) {
      throw new DeliveryError(`SMTP ${redactSmtpUrl(this.smtpUrl).replace(/^smtps?:\/\/(?:[^@/]*@)?/, '').replace(/\/$/, '')}: ${describeSmtpError(err)}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}

function describeSmtpError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code, responseCode } = err as Error & { code?: string; responseCode?: number };
  const detail = err.message.split('\n')[0] ?? '';
  return [code, responseCode, detail].filter((part) => part !== undefined && part !== '').join(' ');
}
