// libuv's thread pool (file system calls, zlib and crypto off the main thread) has 4
// threads unless UV_THREADPOOL_SIZE says otherwise, whatever the machine. On a machine
// of 2 cores those 4 threads, woken for each small file call of the data dir, take the
// cores from the main thread: bench:capture at 64 requests in flight, 4 runs of each
// interleaved, reached 0.80-0.85 of its ideal with 4 threads and 0.85-0.86 with 2,
// using 6% less CPU a citation (the same on this machine's disk). So the pool gets as
// many threads as the machine has cores, at least 2 (a flush to disk need not stop
// every other file call) and at most libuv's 4. A user's own UV_THREADPOOL_SIZE stands.
//
// CommonJS, and required before anything else: the pool's size is read once, when it
// is first used, and Node's ESM loader uses it to read the first module.
'use strict';
const { availableParallelism } = require('node:os');

/** The pool size for a machine of `cores` cores. */
function threadPoolSize(cores) {
  return Math.min(4, Math.max(2, cores));
}

process.env.UV_THREADPOOL_SIZE ??= String(threadPoolSize(availableParallelism()));

module.exports = { threadPoolSize };
