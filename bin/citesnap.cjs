#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs through
// `prepare`). This launcher is CommonJS so that it sizes libuv's thread pool before the
// ESM loader first uses it (see thread-pool.cjs).
'use strict';
require('./thread-pool.cjs');

import('../dist/cli/main.js').then(
  async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  },
  (error) => {
    process.stderr.write(`citesnap: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
