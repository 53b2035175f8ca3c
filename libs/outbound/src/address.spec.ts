import { classifyAddress } from './address.js';

describe('classifyAddress', () => {
  it.each([
    // IPv4
    ['loopback', '127.0.0.1', 'loopback'],
    ['loopback, the end of 127/8', '127.255.255.254', 'loopback'],
    ['private 10/8', '10.1.2.3', 'private'],
    ['private 172.16/12, its start', '172.16.0.1', 'private'],
    ['private 172.16/12, its end', '172.31.255.254', 'private'],
    ['private 192.168/16', '192.168.1.1', 'private'],
    ['link-local', '169.254.1.1', 'link-local'],
    ['carrier-grade NAT', '100.64.0.1', 'carrier-grade-nat'],
    ['carrier-grade NAT, the end of 100.64/10', '100.127.255.254', 'carrier-grade-nat'],
    ['unspecified', '0.0.0.0', 'unspecified'],
    ['"this network" 0/8', '0.1.2.3', 'unspecified'],
    ['multicast', '224.0.0.1', 'multicast'],
    ['multicast, the end of 224/4', '239.255.255.250', 'multicast'],
    ['broadcast', '255.255.255.255', 'broadcast'],
    ['reserved 240/4', '240.0.0.1', 'reserved'],
    ['documentation (TEST-NET-1)', '192.0.2.1', 'reserved'],
    ['documentation (TEST-NET-2)', '198.51.100.1', 'reserved'],
    ['documentation (TEST-NET-3)', '203.0.113.1', 'reserved'],
    ['benchmarking 198.18/15', '198.18.0.1', 'reserved'],
    ['IETF protocol assignments 192.0.0/24', '192.0.0.8', 'reserved'],
    // cloud metadata
    ['the AWS, Azure and GCP metadata service', '169.254.169.254', 'cloud-metadata'],
    ['the AWS metadata service over IPv6', 'fd00:ec2::254', 'cloud-metadata'],
    ['the Alibaba metadata service', '100.100.100.200', 'cloud-metadata'],
    ['the Oracle metadata service', '192.0.0.192', 'cloud-metadata'],
    // IPv6
    ['IPv6 loopback', '::1', 'loopback'],
    ['IPv6 unspecified', '::', 'unspecified'],
    ['IPv6 link-local', 'fe80::1', 'link-local'],
    ['IPv6 link-local, the end of fe80::/10', 'febf::1', 'link-local'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0', 'link-local'],
    ['unique-local fc00::/7', 'fc00::1', 'unique-local'],
    ['unique-local fd00::/8', 'fd12:3456::1', 'unique-local'],
    ['IPv6 multicast', 'ff02::1', 'multicast'],
    ['site-local (deprecated)', 'fec0::1', 'deprecated-site-local'],
    ['IPv6 documentation', '2001:db8::1', 'reserved'],
    ['discard-only', '100::1', 'discard'],
    ['IPv4-compatible (deprecated), outside 2000::/3', '::7f00:1', 'not-global-unicast'],
    ['unallocated, outside 2000::/3', '4000::1', 'not-global-unicast'],
    // IPv4 inside IPv6
    ['IPv4-mapped loopback', '::ffff:127.0.0.1', 'loopback'],
    ['IPv4-mapped loopback in hex', '::ffff:7f00:1', 'loopback'],
    ['IPv4-mapped private', '::ffff:10.0.0.1', 'private'],
    ['IPv4-mapped metadata service', '::ffff:169.254.169.254', 'cloud-metadata'],
    ['IPv4-translated (RFC 6145) loopback', '::ffff:0:7f00:1', 'loopback'],
    ['NAT64 well-known prefix with loopback', '64:ff9b::7f00:1', 'nat64:loopback'],
    ['NAT64 well-known prefix with private', '64:ff9b::10.0.0.1', 'nat64:private'],
    ['NAT64 well-known prefix with the metadata service', '64:ff9b::169.254.169.254', 'nat64:cloud-metadata'],
    ['NAT64 local-use prefix, whatever it carries', '64:ff9b:1::808:808', 'nat64-local-use'],
    ['6to4 of loopback', '2002:7f00:1::1', '6to4:loopback'],
    ['6to4 of private', '2002:c0a8:101::1', '6to4:private'],
    ['Teredo with a private server', '2001:0:a00:1::1', 'teredo:private'],
    ['Teredo with a private client (inverted bits)', '2001:0:4136:e378:8000:63bf:3f57:fefe', 'teredo:private'],
    // not an address at all
    ['a host name', 'example.com', 'not-an-address'],
    ['a non-decimal IPv4 form', '0x7f.1', 'not-an-address'],
  ])('refuses %s (%s) as %s', (_what, ip, range) => {
    expect(classifyAddress(ip)).toBe(range);
  });

  it.each([
    ['public IPv4', '8.8.8.8'],
    ['public IPv4 next to 172.16/12', '172.32.0.1'],
    ['public IPv4 next to 100.64/10', '100.128.0.1'],
    ['public IPv6', '2606:4700:4700::1111'],
    ['IPv4-mapped public', '::ffff:8.8.8.8'],
    ['NAT64 of a public address', '64:ff9b::8.8.8.8'],
    ['6to4 of a public address', '2002:808:808::1'],
    ['Teredo with a public server and client', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'],
  ])('lets %s (%s) through', (_what, ip) => {
    expect(classifyAddress(ip)).toBeNull();
  });
});
