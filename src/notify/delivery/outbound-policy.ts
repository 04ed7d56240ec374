// Where chat, webhook and callback deliveries may go. URLs are written by requesters (callbacks)
// and namespace owners (channels), and the operator POSTs from inside the cluster: without a
// policy it reaches what they cannot (loopback, cloud metadata on link-local addresses, private
// networks, the API server). The rules:
//   - https only, unless plain http is allowed (--allow-insecure-http);
//   - the address connected to (after DNS, so a name cannot rebind to an internal address) must be
//     a global unicast address: loopback, link-local, private, shared (CGNAT), multicast,
//     unspecified, reserved and IPv6 transition ranges are refused;
//   - --allow-outbound names exceptions: addresses, CIDRs, host names or *.domain wildcards;
//   - --deny-outbound names more refused ranges (e.g. the cluster's service and pod CIDRs when they
//     are not private ranges); it wins over --allow-outbound;
//   - protected endpoints (the Kubernetes API server of the operator's kubeconfig) are never
//     reached, whatever the lists say.
// IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry; decimal, octal and hex
// IPv4 spellings in URLs are normalised by the URL parser before anything is checked.
import { BlockList, isIP, SocketAddress } from 'node:net';

export interface OutboundPolicyOptions {
  /** Exceptions to the refused ranges: IPs, CIDRs, host names, `*.domain` (subdomains). */
  allow?: readonly string[];
  /** More refused IPs and CIDRs; they win over `allow`. */
  deny?: readonly string[];
  /** Allow plain `http://` URLs (default: https only). */
  allowInsecureHttp?: boolean;
  /** Endpoints never reached whatever the lists say, e.g. the Kubernetes API server. */
  protectedEndpoints?: readonly ProtectedEndpoint[];
}

export interface ProtectedEndpoint {
  /** Host name or IP address as in its URL. */
  host: string;
  port: number;
  /** What it is, for the refusal: "the Kubernetes API server". */
  label: string;
}

export type AddressVerdict = { allowed: true; detail: string } | { allowed: false; reason: string };

type Family = 'ipv4' | 'ipv6';

interface Range {
  network: string;
  prefix: number;
  family: Family;
}

/** Ranges that are not global unicast (IANA special-purpose registries), by what the refusal calls them. */
const SPECIAL_RANGES: ReadonlyArray<[label: string, cidrs: readonly string[]]> = [
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fec0::/10']],
  ['shared address space (carrier-grade NAT)', ['100.64.0.0/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  [
    'reserved',
    ['192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4', '::/96', '100::/64', '2001::/23', '2001:db8::/32'],
  ],
  ['an IPv6 transition address (NAT64, 6to4)', ['64:ff9b::/96', '64:ff9b:1::/48', '2002::/16']],
];

/** Parses `a.b.c.d`, `a.b.c.d/n`, `v6` or `v6/n`; undefined when it is neither. */
export function parseRange(entry: string): Range | undefined {
  const [address = '', prefixText, ...rest] = entry.trim().split('/');
  if (rest.length > 0) return undefined;
  const normal = normalizeAddress(address);
  const version = isIP(normal);
  if (version === 0) return undefined;
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { network: normal, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { network: normal, prefix: Number(prefixText), family };
}

const HOST_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Whether `entry` is a valid allow-list entry (IP, CIDR, host name, `*.domain`); the problem otherwise. */
export function outboundEntryProblem(entry: string, kind: 'allow' | 'deny'): string | undefined {
  if (parseRange(entry)) return undefined;
  if (kind === 'allow' && HOST_PATTERN.test(entry.trim().toLowerCase().replace(/\.$/, ''))) return undefined;
  return kind === 'allow' ? 'not an IP address, CIDR, host name or *.domain' : 'not an IP address or CIDR';
}

/**
 * The canonical form of an IP address: IPv4-mapped IPv6 (`::ffff:7f00:1`, `::ffff:127.0.0.1`)
 * becomes the IPv4 address, IPv6 is compressed and lower-cased, brackets are dropped. Anything
 * else is returned trimmed and lower-cased.
 */
export function normalizeAddress(address: string): string {
  const bare = address.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (isIP(bare) !== 6) return bare;
  const canonical = SocketAddress.parse(`[${bare}]:0`)?.address ?? bare;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(canonical);
  return mapped ? mapped[1]! : canonical;
}

function blockListOf(ranges: readonly Range[], family: Family): BlockList {
  const list = new BlockList();
  for (const range of ranges) if (range.family === family) list.addSubnet(range.network, range.prefix, family);
  return list;
}

class RangeSet {
  private readonly v4: BlockList;
  private readonly v6: BlockList;
  readonly size: number;

  constructor(ranges: readonly Range[]) {
    this.v4 = blockListOf(ranges, 'ipv4');
    this.v6 = blockListOf(ranges, 'ipv6');
    this.size = ranges.length;
  }

  /** `address` must be normalised; each family is checked against its own ranges only. */
  has(address: string): boolean {
    const version = isIP(address);
    if (version === 4) return this.v4.check(address, 'ipv4');
    if (version === 6) return this.v6.check(address, 'ipv6');
    return false;
  }
}

const special: ReadonlyArray<[string, RangeSet]> = SPECIAL_RANGES.map(([label, cidrs]) => [label, new RangeSet(cidrs.map((cidr) => parseRange(cidr)!))]);

/** What kind of non-global address `address` is (`loopback`, `private`, …); undefined for global unicast. */
export function specialRangeOf(address: string): string | undefined {
  const normal = normalizeAddress(address);
  return special.find(([, ranges]) => ranges.has(normal))?.[0];
}

const normalHost = (host: string) => host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');

export class OutboundPolicy {
  readonly allowInsecureHttp: boolean;
  private readonly allowedRanges: RangeSet;
  private readonly allowedHosts: string[];
  private readonly allowedDomains: string[];
  private readonly deniedRanges: RangeSet;
  private readonly protectedEndpoints: ProtectedEndpoint[];

  constructor(options: OutboundPolicyOptions = {}) {
    this.allowInsecureHttp = options.allowInsecureHttp ?? false;
    const allow = (options.allow ?? []).map((entry) => entry.trim()).filter(Boolean);
    const deny = (options.deny ?? []).map((entry) => entry.trim()).filter(Boolean);
    for (const entry of allow) {
      const problem = outboundEntryProblem(entry, 'allow');
      if (problem) throw new Error(`outbound allow-list entry "${entry}": ${problem}`);
    }
    for (const entry of deny) {
      const problem = outboundEntryProblem(entry, 'deny');
      if (problem) throw new Error(`outbound deny-list entry "${entry}": ${problem}`);
    }
    this.allowedRanges = new RangeSet(allow.map(parseRange).filter((range): range is Range => range !== undefined));
    const names = allow.filter((entry) => !parseRange(entry)).map(normalHost);
    this.allowedHosts = names.filter((name) => !name.startsWith('*.'));
    this.allowedDomains = names.filter((name) => name.startsWith('*.')).map((name) => name.slice(1));
    this.deniedRanges = new RangeSet(deny.map((entry) => parseRange(entry)!));
    this.protectedEndpoints = (options.protectedEndpoints ?? []).map((endpoint) => ({ ...endpoint, host: normalizeAddress(normalHost(endpoint.host)) }));
  }

  /** Why `url` may not be requested at all (its scheme), or undefined. */
  checkUrl(url: URL): string | undefined {
    if (url.protocol === 'https:') return undefined;
    if (url.protocol === 'http:') return this.allowInsecureHttp ? undefined : 'plain http is not allowed, only https (--allow-insecure-http)';
    return `the scheme ${url.protocol} is not allowed, only https`;
  }

  /**
   * Whether a connection to `address` (resolved from `host`, or `host` itself) on `port` is
   * allowed: protected endpoints and denied ranges never; an allowed host name or range always;
   * otherwise every global unicast address.
   */
  checkAddress(host: string, address: string, port: number): AddressVerdict {
    const name = normalHost(host);
    const ip = normalizeAddress(address);
    for (const endpoint of this.protectedEndpoints) {
      if (endpoint.port === port && (endpoint.host === ip || endpoint.host === name)) return { allowed: false, reason: `${ip}:${port} is ${endpoint.label}` };
    }
    if (this.deniedRanges.has(ip)) return { allowed: false, reason: `${ip} is in a denied range (--deny-outbound)` };
    if (this.allowedHosts.includes(name) || this.allowedDomains.some((domain) => name.endsWith(domain))) return { allowed: true, detail: `host ${name} is allowed` };
    if (this.allowedRanges.has(ip)) return { allowed: true, detail: `${ip} is allowed` };
    const range = specialRangeOf(ip);
    if (range) return { allowed: false, reason: `${ip} is ${range} (--allow-outbound allows it)` };
    return { allowed: true, detail: `${ip} is a global address` };
  }
}
