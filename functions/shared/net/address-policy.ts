/**
 * Which network addresses an outbound fetch of customer-supplied URLs may connect to. Pure.
 *
 * - Never: link-local (169.254.0.0/16 — the cloud metadata endpoint 169.254.169.254 — and fe80::/10),
 *   the unspecified and "this network" ranges, multicast, the AWS IPv6 metadata address.
 * - Only in local mode (sandboxes on 127.0.0.1): loopback.
 * - Never outside local mode: loopback, private (RFC 1918, fc00::/7), carrier-grade NAT (100.64.0.0/10),
 *   benchmarking and reserved ranges.
 */
import { BlockList, isIP } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'reserved';

const ranges = (entries: readonly [string, number, 'ipv4' | 'ipv6'][]): BlockList => {
  const list = new BlockList();
  for (const [network, prefix, family] of entries) list.addSubnet(network, prefix, family);
  return list;
};

const LINK_LOCAL = ranges([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
  // AWS's IPv6 instance metadata endpoint (fd00:ec2::254) lies in fc00::/7 but is named here so that
  // local mode can never reach it either.
  ['fd00:ec2::', 64, 'ipv6'],
]);
const LOOPBACK = ranges([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const PRIVATE = ranges([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const RESERVED = ranges([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
]);

/** `::ffff:169.254.169.254` is 169.254.169.254. */
const unmapped = (address: string): string => {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
};

/** The class of an IP address literal; anything that is not one is `reserved` (refused). */
export const classifyAddress = (raw: string): AddressClass => {
  const address = unmapped(raw.replace(/^\[|\]$/g, '').split('%')[0] ?? '');
  const version = isIP(address);
  if (version === 0) return 'reserved';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (LINK_LOCAL.check(address, family)) return 'link_local';
  if (LOOPBACK.check(address, family)) return 'loopback';
  if (RESERVED.check(address, family)) return 'reserved';
  if (PRIVATE.check(address, family)) return 'private';
  return 'public';
};

/** Whether a connection to this (resolved) address is allowed. Link-local never is. */
export const isAddressAllowed = (address: string, options: { readonly allowLoopback: boolean }): boolean => {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind === 'loopback' && options.allowLoopback);
};

/** Host allow-list: exact names, or `*.example.com` for any subdomain (not the apex). Empty = any host. */
export const isHostAllowed = (host: string, allowedHosts: readonly string[] | undefined): boolean => {
  if (!allowedHosts || allowedHosts.length === 0) return true;
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowedHosts.some((entry) => {
    const pattern = entry.toLowerCase().replace(/\.$/, '');
    return pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern;
  });
};
