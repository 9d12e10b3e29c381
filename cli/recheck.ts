import { configFrom, EXIT, parseCommandArgs, reportError } from './command-line.js';
import { parseDuration } from '../src/duration.js';
import { UsageError } from '../src/errors.js';
import { DEFAULT_RECHECK_OLDER_THAN, newestCheckBefore, validateDocId } from '../src/model/index.js';
import { openPipeline, recheckDocument } from '../src/pipeline/index.js';
import { summarize } from './summary.js';

/** `citesnap recheck [--doc-id ID] [--older-than DURATION]`: ask again about citations whose newest check is older. */
export async function recheckCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('recheck', args, {
    'doc-id': { type: 'string' },
    'older-than': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`recheck: unexpected argument ${JSON.stringify(positionals[0])}; use --doc-id ID`);
  const docId = values['doc-id'] === undefined ? undefined : validateDocId(values['doc-id']);
  const olderThanMs = parseDuration(values['older-than'] ?? DEFAULT_RECHECK_OLDER_THAN, '--older-than');
  const config = configFrom(values);
  const pipeline = openPipeline(config);
  let exitCode: number = EXIT.ok;
  try {
    const docIds = docId === undefined ? await pipeline.ports.store.documents.list() : [docId];
    const cutoff = Date.now() - olderThanMs;
    let citations = 0;
    let documents = 0;
    for (const id of docIds) {
      try {
        const result = await recheckDocument(id, (citation) => newestCheckBefore(citation.checks, cutoff), pipeline.ports);
        if (result === undefined) throw new UsageError(`recheck: no record for doc id ${JSON.stringify(id)} in ${pipeline.ports.store.documents.location()}`);
        documents += 1;
        citations += result.rechecked;
        if (result.rechecked > 0) process.stdout.write(`${summarize(result.record, pipeline.ports.store.documents)}\n`);
      } catch (error) {
        // One document that fails (its record deleted since the listing, say) does not stop the others.
        exitCode = Math.max(exitCode, reportError(error));
      }
    }
    // When every document failed, the error lines say all there is.
    if (documents > 0 || exitCode === EXIT.ok) {
      process.stdout.write(`rechecked ${citations} citation${citations === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'}\n`);
    }
  } finally {
    await pipeline.close();
  }
  return exitCode;
}
