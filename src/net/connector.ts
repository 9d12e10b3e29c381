import type { LookupFunction } from 'node:net';
import { createSecureContext } from 'node:tls';
import { buildConnector } from 'undici';
import { assertHostAllowed, guardLookup } from './address-guard.js';
import { findRoute } from './routes.js';
import type { ConnectRoute } from './routes.js';
import { asError } from '../errors.js';

export interface GuardedConnectorOptions {
  routes: readonly ConnectRoute[];
  /** Resolves host names, for guarded and routed connections alike. */
  lookup: LookupFunction;
  /** Milliseconds for DNS, TCP and TLS together. */
  timeoutMs: number;
}

/**
 * undici's `connect` for citesnap: every new connection, whichever request or
 * redirect hop it serves, is checked here, at connect time, on the address it
 * goes to. IP literals and local-only names are refused outright. A host name
 * that a route maps goes to the mapped address unchecked (trusted operator
 * configuration); every other name goes through the guarded lookup.
 *
 * No `ca` or other trust option is set, so TLS uses Node's default trust store,
 * which includes NODE_EXTRA_CA_CERTS; and the TLS server name and certificate
 * check stay those of the URL's host, since undici derives them from the
 * unchanged `host` field even when a route changes where the socket goes.
 */
export function buildGuardedConnector({
  routes,
  lookup,
  timeoutMs,
}: GuardedConnectorOptions): buildConnector.connector {
  // One TLS context for every connection, built from Node's default trust store
  // (NODE_EXTRA_CA_CERTS included), instead of a new one for each connection.
  const secureContext = createSecureContext();
  const connectChecked = buildConnector({ timeout: timeoutMs, lookup: guardLookup(lookup), secureContext });
  const connectRouted = buildConnector({ timeout: timeoutMs, lookup, secureContext });

  return (options, callback) => {
    try {
      assertHostAllowed(options.hostname);
    } catch (error) {
      callback(asError(error), null);
      return;
    }
    const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    const route = findRoute(routes, options.hostname, port);
    if (route === undefined) {
      connectChecked(options, callback);
      return;
    }
    const target = { ...options, port: String(route.toPort ?? port) };
    if (route.toHost === undefined) {
      // The route moves only the port: the host is still the one the URL named.
      connectChecked(target, callback);
    } else {
      connectRouted({ ...target, hostname: route.toHost }, callback);
    }
  };
}
