import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard of outgoing notifications ([ADR 0007](../../../../docs/adr/0007-delivery-outbox-and-ssrf-guard.md)).
 *
 * A channel URL is user input, and the worker sits inside the cluster network: without a
 * guard, `http://169.254.169.254/` reads cloud credentials and `http://10.0.0.5:6379/` pokes
 * Redis. Only globally routable unicast addresses are allowed: loopback, private (RFC 1918),
 * link-local (the metadata service), unique-local, CGNAT (100.64/10), multicast,
 * unspecified, reserved, documentation, benchmarking, 6to4/Teredo/NAT64 (which embed IPv4)
 * and every other special range ipaddr.js knows are refused, IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) being judged as the IPv4 it carries.
 *
 * The check runs on the addresses the connection will actually use (a `lookup` hook of the
 * socket), so a DNS answer cannot change between check and connect (DNS rebinding).
 * `WEBHOOK_ALLOW_PRIVATE=true` turns the guard off (local development, tests).
 */

export class SsrfRefusedError extends Error {
  readonly code = 'ESSRF';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      `refused: ${host} resolves to ${address} (${range}); set WEBHOOK_ALLOW_PRIVATE=true to allow private addresses`,
    );
    this.name = 'SsrfRefusedError';
  }
}

/** The special range an IP address falls in, or null when it is public unicast. */
export function blockedRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process(): an IPv4-mapped IPv6 address becomes the IPv4 address it carries.
    parsed = ipaddr.process(address);
  } catch {
    return 'invalid';
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a URL whose host is an IP literal (no DNS needed): the API calls this when a
 * channel is saved, so an obviously private target is a 400 rather than a failed delivery.
 * Host names are checked at send time, on the resolved addresses.
 */
export function literalRefusal(url: string, allowPrivate: boolean): SsrfRefusedError | null {
  if (allowPrivate) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  // A trailing dot (`localhost.`) names the same host.
  const host = hostOf(u).replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return new SsrfRefusedError(host, host, 'loopback');
  }
  if (isIP(host) === 0) return null;
  const range = blockedRange(host);
  return range ? new SsrfRefusedError(host, host, range) : null;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that resolves every address of the host and refuses the
 * connection when ANY of them is not public (an attacker's name may mix a public and a
 * private answer and count on the client picking the second).
 */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, []);
      return;
    }
    for (const a of addresses) {
      const range = blockedRange(a.address);
      if (range) {
        callback(new SsrfRefusedError(hostname, a.address, range), []);
        return;
      }
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
