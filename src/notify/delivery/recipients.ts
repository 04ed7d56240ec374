// Which e-mail addresses receive mail. First, every address must be one plain address
// (`local@domain`, ASCII): teamEmail is written by the requester, and a CR/LF, a comma or a display
// name in it would otherwise add a header (`Bcc: …`) or another recipient. Such addresses are
// dropped and reported, never "repaired". Then the recipient-domain allow-list: with a
// list, only addresses whose domain is one of its entries, or a subdomain of one, receive mail;
// the others are skipped and reported.

export interface RecipientSplit {
  allowed: string[];
  /** Valid addresses outside the allowed domains. */
  skipped: string[];
  /** Not one plain address (control characters, several addresses, a display name, …): dropped. */
  invalid: string[];
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Whether `text` has a control character (CR, LF, NUL, …) or a Unicode line separator. */
export const hasControlCharacters = (text: string): boolean => CONTROL.test(text);

/** Whether `address` is one plain address `local@domain` (dot-atom, ASCII, ≤ 254 characters). */
export function isPlainAddress(address: string): boolean {
  if (address.length > 254 || CONTROL.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return local.length <= 64 && LOCAL_PART.test(local) && DOMAIN.test(domain);
}

/**
 * Whether `from` is safe as a From header: a plain address, or `Display Name <address>` whose
 * name has no control characters, quotes, angle brackets, commas or semicolons.
 */
export function isSafeSender(from: string): boolean {
  if (CONTROL.test(from)) return false;
  const named = /^([^"<>,;]*)<([^<>]*)>$/.exec(from.trim());
  return named ? isPlainAddress(named[2]!) : isPlainAddress(from.trim());
}

/** How an address is shown in a status message: quoted, control characters escaped, clipped. */
export function shownAddress(address: string): string {
  const quoted = JSON.stringify(address);
  return quoted.length > 120 ? `${quoted.slice(0, 117)}…"` : quoted;
}

const domainOf = (address: string) => {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).trim().replace(/>$/, '').toLowerCase();
};

export function isAllowedRecipient(address: string, allowedDomains: readonly string[] | undefined): boolean {
  if (!allowedDomains || allowedDomains.length === 0) return true;
  const domain = domainOf(address);
  if (!domain) return false;
  return allowedDomains.some((entry) => {
    const allowed = entry.trim().toLowerCase().replace(/^\*?\./, '');
    return allowed !== '' && (domain === allowed || domain.endsWith(`.${allowed}`));
  });
}

/** Splits (and de-duplicates, case-insensitively) the recipients: invalid, outside the allow-list, allowed. */
export function filterRecipients(recipients: readonly string[], allowedDomains: readonly string[] | undefined): RecipientSplit {
  const seen = new Set<string>();
  const split: RecipientSplit = { allowed: [], skipped: [], invalid: [] };
  for (const raw of recipients) {
    // Only spaces and tabs are trimmed: a CR/LF at either end is as much an injection as inside.
    const address = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!address || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    if (!isPlainAddress(address)) split.invalid.push(address);
    else (isAllowedRecipient(address, allowedDomains) ? split.allowed : split.skipped).push(address);
  }
  return split;
}
