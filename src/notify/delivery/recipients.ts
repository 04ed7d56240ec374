// The recipient-domain allow-list (SPEC §9.3): with a list, only addresses whose domain is one of
// its entries, or a subdomain of one, receive mail; the others are skipped and reported.

export interface RecipientSplit {
  allowed: string[];
  skipped: string[];
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

/** Splits (and de-duplicates, case-insensitively) the recipients by the allow-list. */
export function filterRecipients(recipients: readonly string[], allowedDomains: readonly string[] | undefined): RecipientSplit {
  const seen = new Set<string>();
  const split: RecipientSplit = { allowed: [], skipped: [] };
  for (const raw of recipients) {
    const address = raw.trim();
    if (!address || seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    (isAllowedRecipient(address, allowedDomains) ? split.allowed : split.skipped).push(address);
  }
  return split;
}
