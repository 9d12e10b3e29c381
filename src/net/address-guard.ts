import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { FetchError } from '../errors.js';

// The address rules of contract section 5: citesnap fetches URLs that hostile
// documents chose, so it only ever connects to public unicast addresses.

/** IPv4 ranges outside public unicast space (IANA special-purpose address registry). */
const NON_PUBLIC_IPV4: readonly (readonly [network: string, prefix: number])[] = [
  ['0.0.0.0', 8], // "this network", with the unspecified address 0.0.0.0
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT shared address space
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, with the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast, deprecated
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, with the limited broadcast address 255.255.255.255
];

/**
 * The only IPv6 space that can hold a public unicast address: global unicast
 * 2000::/3, and the two forms that carry an IPv4 address which the IPv4 rules then
 * judge (IPv4-mapped ::ffff:0:0/96 and NAT64 64:ff9b::/96). Everything else
 * (::, ::1, IPv4-compatible ::/96, fc00::/7, fe80::/10, fec0::/10, ff00::/8, ...) is
 * refused by not being here.
 */
const MAYBE_PUBLIC_IPV6: readonly (readonly [network: string, prefix: number])[] = [
  ['2000::', 3],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
];

/** Parts of MAYBE_PUBLIC_IPV6 that are not public unicast themselves. */
const NON_PUBLIC_IPV6: readonly (readonly [network: string, prefix: number])[] = [
  ['2001::', 23], // IETF protocol assignments, with Teredo 2001::/32
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
];

const nonPublicAddresses = buildNonPublicList();
const maybePublicIpv6 = buildList(MAYBE_PUBLIC_IPV6, 'ipv6');

function buildNonPublicList(): BlockList {
  const list = buildList(NON_PUBLIC_IPV6, 'ipv6');
  for (const [network, prefix] of NON_PUBLIC_IPV4) {
    // BlockList matches IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) against IPv4
    // rules by itself; the NAT64 and 6to4 forms need rules of their own.
    list.addSubnet(network, prefix, 'ipv4');
    list.addSubnet(`64:ff9b::${network}`, 96 + prefix, 'ipv6');
    list.addSubnet(sixToFourNetwork(network), 16 + prefix, 'ipv6');
  }
  return list;
}

function buildList(subnets: readonly (readonly [string, number])[], family: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of subnets) list.addSubnet(network, prefix, family);
  return list;
}

/** 6to4 (2002::/16) puts the IPv4 address in the next 32 bits: 2002:AABB:CCDD::. */
function sixToFourNetwork(ipv4: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = ipv4.split('.').map(Number);
  const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
  return `2002:${hex(a, b)}:${hex(c, d)}::`;
}

/** True when `address` (an IPv4 or IPv6 address, no brackets) is public unicast. */
export function isPublicAddress(address: string): boolean {
  switch (isIP(address)) {
    case 4:
      return !nonPublicAddresses.check(address, 'ipv4');
    case 6:
      return maybePublicIpv6.check(address, 'ipv6') && !nonPublicAddresses.check(address, 'ipv6');
    default:
      return false;
  }
}

/** Names that only ever mean this machine or its local network (RFC 6761, RFC 6762, ICANN .internal). */
function isLocalOnlyName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.local') || name.endsWith('.internal');
}

/**
 * Throws FetchError('BLOCKED_ADDRESS') when `hostname` may not be connected to
 * whatever the routes say: an IP literal outside public unicast space, or a
 * local-only name. `hostname` is a WHATWG URL hostname (which has already turned
 * `127.1`, `0x7f.1`, `2130706433` and the like into `127.0.0.1`), with or without
 * IPv6 brackets and a trailing dot.
 */
export function assertHostAllowed(hostname: string): void {
  const host = hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw new FetchError('BLOCKED_ADDRESS', `${host} is not a public address`);
  } else if (isLocalOnlyName(host)) {
    throw new FetchError('BLOCKED_ADDRESS', `${hostname} is a local-only name`);
  }
}

/**
 * Wraps a dns.lookup-compatible function so that a name resolving to any address
 * outside public unicast space fails with FetchError('BLOCKED_ADDRESS'). Node's
 * net.connect connects only to what the lookup hands it, so checking here checks
 * the address actually connected to, on every new connection: a DNS answer that
 * changes between two connections (rebinding) is checked again. One bad address
 * refuses the whole name, since a name that mixes public and private answers is
 * an attack, not a configuration.
 */
export function guardLookup(lookup: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, answer) => {
      if (error) {
        callback(error, '');
        return;
      }
      const addresses: LookupAddress[] =
        typeof answer === 'string' ? [{ address: answer, family: isIP(answer) }] : answer;
      const refused = addresses.find(({ address }) => !isPublicAddress(address));
      const first = addresses[0];
      if (refused !== undefined) {
        callback(
          new FetchError('BLOCKED_ADDRESS', `${hostname} resolves to ${refused.address}, not a public address`),
          '',
        );
      } else if (first === undefined) {
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '');
      } else if (options.all === true) {
        callback(null, addresses);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}
