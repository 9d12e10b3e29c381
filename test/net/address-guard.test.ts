import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { FetchError } from '../../src/errors.js';
import { assertHostAllowed, guardLookup, isPublicAddress } from '../../src/net/address-guard.js';
import { offlineLookup } from './servers.js';

describe('isPublicAddress', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.8',
    '192.0.2.1',
    '192.88.99.1',
    '192.168.1.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1', // IPv4-mapped
    '::ffff:7f00:1',
    '::ffff:10.1.2.3',
    '::ffff:169.254.169.254',
    '::127.0.0.1', // IPv4-compatible (deprecated, never routed)
    '::8.8.8.8',
    '64:ff9b::127.0.0.1', // NAT64
    '64:ff9b::a00:1',
    '64:ff9b:1::1', // local-use NAT64
    '2002:7f00:1::', // 6to4 of 127.0.0.1
    '2002:c0a8:101::1', // 6to4 of 192.168.1.1
    '2001::1', // Teredo
    '2001:db8::1', // documentation
    '3fff::1',
    'fc00::1', // unique local
    'fd12:3456:789a::1',
    'fe80::1', // link-local
    'febf::1',
    'fec0::1', // site-local
    'ff02::1', // multicast
    '100::1', // discard-only
    'not an address',
    '',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.15.255.255',
    '172.32.0.0',
    '198.20.0.0',
    '223.255.255.255',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1', // 6to4 of 8.8.8.8
    '2606:4700:4700::1111',
    '2a00:1450:4001:81a::200e',
  ])('accepts %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('assertHostAllowed', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'api.localhost',
    'printer.local',
    'Printer.Local.',
    'metadata.google.internal',
    'db.internal.',
    '127.0.0.1',
    '[::1]',
    '::1',
    '[::ffff:7f00:1]',
    '10.0.0.1',
  ])('refuses %s with BLOCKED_ADDRESS', (hostname) => {
    expect(() => assertHostAllowed(hostname)).toThrow(expect.objectContaining({ code: 'BLOCKED_ADDRESS' }));
  });

  it.each([
    't.co',
    'x.com',
    'localhost.example.com',
    'local',
    'internal.example',
    'news.test',
    '8.8.8.8',
    '[2606:4700::1]',
  ])('allows %s', (hostname) => {
    expect(() => assertHostAllowed(hostname)).not.toThrow();
  });
});

describe('guardLookup', () => {
  const resolve = (hostname: string, all: boolean) =>
    new Promise<string | LookupAddress[]>((done, fail) => {
      const lookup = guardLookup(
        offlineLookup({
          'public.test': ['93.184.216.34', '2606:2800:220:1::'],
          'private.test': ['10.0.0.7'],
          'mixed.test': ['93.184.216.34', '127.0.0.1'],
        }),
      );
      lookup(hostname, { all }, (error, answer) => (error ? fail(error) : done(answer)));
    });

  it('passes public answers through, in the shape asked for', async () => {
    await expect(resolve('public.test', true)).resolves.toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::', family: 6 },
    ]);
    await expect(resolve('public.test', false)).resolves.toBe('93.184.216.34');
  });

  it('refuses a name that resolves to a private address', async () => {
    const error = await resolve('private.test', false).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({
      code: 'BLOCKED_ADDRESS',
      message: 'private.test resolves to 10.0.0.7, not a public address',
    });
  });

  it('refuses a name when any one of its addresses is not public', async () => {
    await expect(resolve('mixed.test', true)).rejects.toMatchObject({ code: 'BLOCKED_ADDRESS' });
  });

  it('passes DNS failures through', async () => {
    await expect(resolve('nowhere.test', true)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
