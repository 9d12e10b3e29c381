import { isIP, isIPv6 } from 'node:net';
import { UsageError } from '../errors.js';

/**
 * One CITESNAP_CONNECT_TO route, with curl's `--connect-to HOST1:PORT1:HOST2:PORT2`
 * meaning: a connection to HOST1:PORT1 is made to HOST2:PORT2 instead, while the
 * request (Host header, TLS server name, certificate check) stays that of HOST1.
 */
export interface ConnectRoute {
  /** The host name to match (lower case, no trailing dot); absent matches any host name. */
  fromHost?: string;
  /** The port to match; absent matches any port. */
  fromPort?: number;
  /**
   * The host to connect to (an IPv6 address without brackets); absent keeps the
   * original host, which then still goes through the address check.
   */
  toHost?: string;
  /** The port to connect to; absent keeps the original port. */
  toPort?: number;
}

const EXPECTED_FORM =
  'comma-separated HOST1:PORT1:HOST2:PORT2 routes, e.g. ":443:127.0.0.1:8443,:80:127.0.0.1:8080" (an empty HOST1 or PORT1 matches any)';

// A host is a bracketed IPv6 address or a run of anything but colons and brackets;
// ports are validated after the split so the message can say what is wrong.
const ROUTE_PATTERN = /^(\[[^\]]*\]|[^:[\]]*):([^:]*):(\[[^\]]*\]|[^:[\]]*):([^:]*)$/;
const HOST_NAME_PATTERN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/i;

/**
 * Parses the value of CITESNAP_CONNECT_TO. An empty value means no routes.
 * Throws a UsageError naming the variable and the expected form on bad input.
 */
export function parseConnectTo(value: string): ConnectRoute[] {
  if (value.trim() === '') return [];
  return value.split(',').map((entry) => parseRoute(entry.trim()));
}

/**
 * The first route that applies to a connection to `hostname`:`port` (curl uses
 * the first match too). IP literals are never routed: a route is operator
 * configuration for host names, and an IP literal has no name for the TLS check
 * to stay with.
 */
export function findRoute(routes: readonly ConnectRoute[], hostname: string, port: number): ConnectRoute | undefined {
  if (isIP(hostname) !== 0) return undefined;
  const host = normaliseHostName(hostname);
  return routes.find(
    (route) =>
      (route.fromHost === undefined || route.fromHost === host) &&
      (route.fromPort === undefined || route.fromPort === port),
  );
}

function parseRoute(entry: string): ConnectRoute {
  const fail = (reason: string): never => {
    throw new UsageError(`CITESNAP_CONNECT_TO: "${entry}" ${reason}; expected ${EXPECTED_FORM}`);
  };
  const fields = ROUTE_PATTERN.exec(entry);
  if (fields === null) return fail('is not HOST1:PORT1:HOST2:PORT2');
  const [, fromHostText = '', fromPortText = '', toHostText = '', toPortText = ''] = fields;

  const route: ConnectRoute = {};
  const fromHost = parseHost(fromHostText, fail);
  if (fromHost !== undefined) {
    if (isIP(fromHost) !== 0) fail(`routes an IP literal (${fromHostText}): only host names are routed`);
    route.fromHost = fromHost;
  }
  const fromPort = parsePort(fromPortText, fail);
  if (fromPort !== undefined) route.fromPort = fromPort;
  const toHost = parseHost(toHostText, fail);
  if (toHost !== undefined) route.toHost = toHost;
  const toPort = parsePort(toPortText, fail);
  if (toPort !== undefined) route.toPort = toPort;
  return route;
}

function parseHost(text: string, fail: (reason: string) => never): string | undefined {
  if (text === '') return undefined;
  if (text.startsWith('[')) {
    const address = text.slice(1, -1);
    if (!isIPv6(address)) fail(`has "${text}", which is not a bracketed IPv6 address`);
    return address.toLowerCase();
  }
  if (!HOST_NAME_PATTERN.test(text)) fail(`has "${text}", which is not a host name or IPv4 address`);
  return normaliseHostName(text);
}

function parsePort(text: string, fail: (reason: string) => never): number | undefined {
  if (text === '') return undefined;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) fail(`has port "${text}", which is not a number from 1 to 65535`);
  return port;
}

/** `X.com.` and `x.com` are the same host to DNS, so they match the same route. */
function normaliseHostName(hostname: string): string {
  return hostname.toLowerCase().replace(/\.$/, '');
}
