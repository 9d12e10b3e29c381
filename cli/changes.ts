import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { parseDuration } from '../src/duration.js';
import { UsageError } from '../src/errors.js';
import type { Status } from '../src/model/index.js';
import { openStore } from '../src/pipeline/open-store.js';

const STATUSES: readonly Status[] = [
  'archived',
  'deleted',
  'suspended',
  'protected',
  'unavailable',
  'unidentified',
  'dead',
  'blocked',
  'failed',
];

/** `changes [--since D] [--status S] [--json]`: the citations whose status changed within the window. */
export async function changesCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('changes', args, {
    since: { type: 'string' },
    status: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`changes: unexpected argument ${JSON.stringify(positionals[0])}`);
  const sinceMs = parseDuration(values.since ?? '24h', '--since');
  const wanted = values.status;
  const status = wanted === undefined ? undefined : STATUSES.find((candidate) => candidate === wanted);
  if (wanted !== undefined && status === undefined)
    throw new UsageError(`--status: expected one of ${STATUSES.join(', ')}, got ${JSON.stringify(wanted)}`);
  const store = openStore(configFrom(values));
  try {
    const since = new Date(Date.now() - sinceMs).toISOString();
    const changes = await store.changes.list(status === undefined ? { since } : { since, status });
    for (const change of changes) {
      const { at, docId, citationId, url, from, to } = change;
      process.stdout.write(
        values.json === true
          ? `${JSON.stringify({ at, docId, citationId, url, from, to })}\n`
          : `${at} ${docId} ${citationId} ${from} -> ${to} ${url}\n`,
      );
    }
  } finally {
    await store.close();
  }
  return EXIT.ok;
}
