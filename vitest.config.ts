import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node reads NODE_EXTRA_CA_CERTS once, when a process starts: set it here, before
// vitest forks its workers, so every test process trusts the fake upstreams' test CA
// through the same code path a user's own CA takes. The variable names one file, and
// a machine may already use it for its own CAs: keep those and add the test CA.
const testCa = readFileSync(fileURLToPath(new URL('./test/support/tls/ca.pem', import.meta.url)), 'utf8');
const machineCas =
  process.env.NODE_EXTRA_CA_CERTS && existsSync(process.env.NODE_EXTRA_CA_CERTS)
    ? readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8')
    : '';
const bundle = join(mkdtempSync(join(tmpdir(), 'citesnap-test-ca-')), 'ca-bundle.pem');
writeFileSync(bundle, `${machineCas}\n${testCa}`);
process.env.NODE_EXTRA_CA_CERTS = bundle;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/support/redis-global-setup.ts'],
    // Integration tests start servers and child processes (each compiling TypeScript
    // through tsx); on a 2-core machine under load one such test took over 30 s. The
    // timeout only guards against a hang, so it is generous.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A test that makes no assertion fails: a check that cannot fail is a defect.
    expect: { requireAssertions: true },
  },
});
