import { configFrom, EXIT, parseCommandArgs, reportError } from './command-line.js';
import { parseDuration } from '../src/duration.js';
import { UsageError } from '../src/errors.js';
import { newestCheckBefore, validateDocId, type DocumentRecord } from '../src/model/index.js';
import {
  openPipeline,
  planRecheckRun,
  recheckDocument,
  recheckDocuments,
  startPipeline,
} from '../src/pipeline/index.js';
import { WIDENING, type RecheckSchedule } from '../src/targets/recheck-schedule.js';
import { plural, summarize } from './summary.js';

/**
 * `recheck --doc-id ID`: every citation of that document, now; with `--older-than D`
 * too, those of its citations whose newest check is older. Without `--doc-id`: a run
 * by target over the whole archive (contract section 10), the due targets on the
 * widening schedule, or with `--older-than D` those whose newest check is older.
 */
export async function recheckCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('recheck', args, {
    'doc-id': { type: 'string' },
    'older-than': { type: 'string' },
  });
  if (positionals.length > 0)
    throw new UsageError(`recheck: unexpected argument ${JSON.stringify(positionals[0])}; use --doc-id ID`);
  const docId = values['doc-id'] === undefined ? undefined : validateDocId(values['doc-id']);
  const olderThanMs =
    values['older-than'] === undefined ? undefined : parseDuration(values['older-than'], '--older-than');
  const config = configFrom(values);
  const pipeline = await startPipeline(config, () => openPipeline(config), { migrate: false });
  try {
    const { store } = pipeline.ports;
    if (docId !== undefined) {
      const cutoff = olderThanMs === undefined ? undefined : Date.now() - olderThanMs;
      const result = await recheckDocument(
        docId,
        (citation) => cutoff === undefined || newestCheckBefore(citation.checks, cutoff),
        pipeline.ports,
      );
      if (result === undefined)
        throw new UsageError(`recheck: no record for doc id ${JSON.stringify(docId)} in ${store.documents.location()}`);
      if (result.rechecked > 0) process.stdout.write(`${summarize(result.record, store.documents)}\n`);
      process.stdout.write(`rechecked ${plural(result.rechecked, 'citation')} in 1 document\n`);
      return EXIT.ok;
    }
    const schedule: RecheckSchedule = olderThanMs === undefined ? WIDENING : { kind: 'fixed', olderThanMs };
    const plannedAt = Date.now();
    const plan = await planRecheckRun(store, { kind: 'recheck', schedule }, plannedAt);
    const updated: DocumentRecord[] = [];
    const result = await recheckDocuments({
      documents: plan.documents,
      plannedAt,
      ports: pipeline.ports,
      onDocument: (record) => updated.push(record),
    });
    // Documents are updated several at once: print them in doc id order, as a listing would.
    for (const record of updated.sort((a, b) => a.docId.localeCompare(b.docId)))
      process.stdout.write(`${summarize(record, store.documents)}\n`);
    let exitCode: number = EXIT.ok;
    // One document that fails (its record damaged by hand, say) does not stop the others.
    for (const failure of result.failures) exitCode = Math.max(exitCode, reportError(failure.error));
    process.stdout.write(
      `rechecked ${plural(plan.targets.length, 'target')}: ${plural(result.citations, 'citation')} in ${plural(result.documents, 'document')}\n`,
    );
    return exitCode;
  } finally {
    await pipeline.close();
  }
}
