import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export const CLOUD_METADATA = 'cloud-metadata';

// Instance metadata services hand out credentials; named apart so that no allow-list range opens them.
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192'].map((a) =>
  ipaddr.parse(a),
);

// IANA allocates global unicast IPv6 only from 2000::/3; ipaddr.js calls some addresses outside it "unicast".
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/**
 * Why an address may not be reached, or `null` for an ordinary public address. The name is the range that refuses
 * it ('loopback', 'private', 'link-local', 'cloud-metadata', ...); an IPv4 address carried inside IPv6 is judged
 * as that IPv4 address ('nat64:private', '6to4:loopback', 'teredo:private'; IPv4-mapped forms answer the IPv4 name).
 */
export function classifyAddress(ip: string): string | null {
  return isIP(ip) ? classify(ipaddr.parse(ip)) : 'not-an-address';
}

function classify(address: Address): string | null {
  if (METADATA_ADDRESSES.some((m) => m.kind() === address.kind() && address.match(m, m.kind() === 'ipv4' ? 32 : 128))) {
    return CLOUD_METADATA;
  }
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return range === 'unicast' ? null : kebab(range);
  }
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  switch (range) {
    case 'unicast':
      return v6.match(GLOBAL_UNICAST_V6) ? null : 'not-global-unicast';
    case 'ipv4Mapped':
    case 'rfc6145':
      return classify(ipv4(v6.parts[6], v6.parts[7]));
    case 'rfc6052':
      // The local-use prefix (64:ff9b:1::/48) places the IPv4 address where the local translator decides.
      return v6.match(NAT64_WELL_KNOWN) ? embedded('nat64', ipv4(v6.parts[6], v6.parts[7])) : 'nat64-local-use';
    case '6to4':
      return embedded('6to4', ipv4(v6.parts[1], v6.parts[2]));
    case 'teredo':
      // The server's address in clear, the client's with every bit inverted.
      return (
        embedded('teredo', ipv4(v6.parts[2], v6.parts[3])) ??
        embedded('teredo', ipv4(~v6.parts[6] & 0xffff, ~v6.parts[7] & 0xffff))
      );
    default:
      return kebab(range);
  }
}

function embedded(carrier: string, inner: ipaddr.IPv4): string | null {
  const range = classify(inner);
  return range === null ? null : `${carrier}:${range}`;
}

function ipv4(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The operator's exceptions: addresses and CIDR ranges reached despite their range (never cloud metadata). */
export class AddressAllowList {
  private readonly ranges: [Address, number][];

  constructor(entries: readonly string[]) {
    this.ranges = entries.map(parseEntry);
  }

  has(ip: string): boolean {
    // IPv4-mapped addresses are matched as the IPv4 address they carry.
    const address = ipaddr.process(ip);
    return this.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  }
}

function parseEntry(entry: string): [Address, number] {
  const [ip, bits, ...rest] = entry.split('/');
  const version = isIP(ip);
  const width = version === 4 ? 32 : 128;
  const prefix = bits === undefined ? width : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (version === 0 || rest.length > 0 || !(prefix <= width)) {
    throw new TypeError(`outbound allow-list: "${entry}" is not an address or CIDR range`);
  }
  return [ipaddr.parse(ip), prefix];
}
