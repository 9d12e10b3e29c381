import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { findRoute, parseConnectTo } from '../../src/net/routes.js';
import type { ConnectRoute } from '../../src/net/routes.js';

describe('parseConnectTo', () => {
  it.each<[string, ConnectRoute[]]>([
    ['', []],
    ['   ', []],
    ['t.co:443:127.0.0.1:8443', [{ fromHost: 't.co', fromPort: 443, toHost: '127.0.0.1', toPort: 8443 }]],
    [':443:127.0.0.1:8443', [{ fromPort: 443, toHost: '127.0.0.1', toPort: 8443 }]],
    ['x.com::127.0.0.1:8443', [{ fromHost: 'x.com', toHost: '127.0.0.1', toPort: 8443 }]],
    ['::127.0.0.1:9000', [{ toHost: '127.0.0.1', toPort: 9000 }]],
    ['X.COM.:443:Proxy.Test:443', [{ fromHost: 'x.com', fromPort: 443, toHost: 'proxy.test', toPort: 443 }]],
    ['t.co:443:[::1]:8443', [{ fromHost: 't.co', fromPort: 443, toHost: '::1', toPort: 8443 }]],
    ['t.co:443::8443', [{ fromHost: 't.co', fromPort: 443, toPort: 8443 }]],
    ['t.co:443:127.0.0.1:', [{ fromHost: 't.co', fromPort: 443, toHost: '127.0.0.1' }]],
    [
      ':443:127.0.0.1:8443, :80:127.0.0.1:8080',
      [
        { fromPort: 443, toHost: '127.0.0.1', toPort: 8443 },
        { fromPort: 80, toHost: '127.0.0.1', toPort: 8080 },
      ],
    ],
  ])('parses %j', (value, routes) => {
    expect(parseConnectTo(value)).toEqual(routes);
  });

  it.each([
    ['t.co:443:127.0.0.1', 'is not HOST1:PORT1:HOST2:PORT2'],
    ['t.co:443:127.0.0.1:8443:1', 'is not HOST1:PORT1:HOST2:PORT2'],
    ['t.co', 'is not HOST1:PORT1:HOST2:PORT2'],
    ['t.co:443:127.0.0.1:8443,', 'is not HOST1:PORT1:HOST2:PORT2'],
    ['t.co:https:127.0.0.1:8443', 'port "https"'],
    ['t.co:443:127.0.0.1:70000', 'port "70000"'],
    ['t.co:0:127.0.0.1:80', 'port "0"'],
    ['t.co:443:[127.0.0.1]:80', 'not a bracketed IPv6 address'],
    ['t.co:443:[::1:80', 'is not HOST1:PORT1:HOST2:PORT2'],
    ['t co:443:127.0.0.1:80', 'not a host name'],
    ['127.0.0.1:443:127.0.0.1:80', 'only host names are routed'],
    ['[::1]:443:127.0.0.1:80', 'only host names are routed'],
  ])('refuses %j, saying it %s', (value, reason) => {
    const parse = () => parseConnectTo(value);
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(reason);
    expect(parse).toThrow(/^CITESNAP_CONNECT_TO: .*expected comma-separated HOST1:PORT1:HOST2:PORT2/);
  });
});

describe('findRoute, with curl semantics', () => {
  const routes = parseConnectTo('t.co:443:10.0.0.1:1,x.com::10.0.0.2:2,:80:10.0.0.3:3,::10.0.0.4:4');

  it.each<[string, number, string | undefined]>([
    ['t.co', 443, '10.0.0.1'], // both given: both must match
    ['t.co', 80, '10.0.0.3'], // the first route does not match port 80; the empty-HOST1 one does
    ['x.com', 8443, '10.0.0.2'], // empty PORT1 matches any port
    ['X.com.', 443, '10.0.0.2'], // DNS ignores case and the root dot
    ['example.com', 80, '10.0.0.3'], // empty HOST1 matches any host
    ['example.com', 443, '10.0.0.4'], // empty HOST1 and PORT1 match anything
    ['93.184.216.34', 443, undefined], // IP literals are never routed
    ['2606:2800:220:1::', 443, undefined],
  ])('routes %s port %d to %s', (hostname, port, toHost) => {
    expect(findRoute(routes, hostname, port)?.toHost).toBe(toHost);
  });

  it('finds nothing without routes', () => {
    expect(findRoute([], 't.co', 443)).toBeUndefined();
  });
});
