import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node reads NODE_EXTRA_CA_CERTS once, when a process starts: set it here, before
// vitest forks its workers, so every test process trusts the fake upstreams' test CA
// through the same code path a user's own CA takes.
process.env.NODE_EXTRA_CA_CERTS ??= fileURLToPath(new URL('./test/support/tls/ca.pem', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Integration tests start servers and child processes; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
