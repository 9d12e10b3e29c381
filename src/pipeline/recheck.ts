import type { ExtractedCitation } from '../extract/index.js';
import { linkTargetKey, postTargetKey, type Citation, type DocumentRecord } from '../model/index.js';
import { mergeOccurrences } from '../resolve/resolve-citations.js';
import type { Force } from '../targets/target-checker.js';
import { checkCitations, previousById, type PipelinePorts } from './check-citations.js';

/**
 * Asks the upstreams again about the citations `select` picks (contract section 8):
 * each gets a new check and its status updated, while its earlier capture stays. An
 * unidentified embed is retried with the links inside it, which may identify it now.
 * Returns undefined when the document has no record.
 */
export async function recheckDocument(
  docId: string,
  select: (citation: Citation) => boolean,
  ports: PipelinePorts,
  options: RecheckDocumentOptions = {},
): Promise<{ record: DocumentRecord; rechecked: number } | undefined> {
  const record = await ports.store.documents.read(docId);
  if (!record) return undefined;
  const picked = record.citations.filter(select);
  const selected = new Set(picked.map((citation) => citation.id));
  // Only what was picked is asked again whatever the index holds; the links of an
  // unidentified embed come along to identify it, reusing recent checks of theirs,
  // so a retry schedule does not capture the same healthy page again and again.
  const forced = new Set(picked.flatMap((citation) => targetKeysOf(citation)));
  const unidentifiedPicked = new Set(
    picked.filter((citation) => citation.status === 'unidentified').map((citation) => citation.id),
  );
  for (const citation of record.citations) {
    if (citation.parent !== undefined && unidentifiedPicked.has(citation.parent)) selected.add(citation.id);
  }
  if (selected.size === 0) return { record, rechecked: 0 };

  const again = record.citations.filter((citation) => selected.has(citation.id)).map(asExtracted);
  const force = options.force ?? true;
  // An unidentified post is looked up again; within a run, one lookup a handle and date serves every document.
  const rechecked = await checkCitations(
    again,
    previousById(record),
    ports,
    (key) => (forced.has(key) ? force : false),
    force === true ? { rechecking: true } : { rechecking: true, reuseLookupsSince: force.unlessCheckedSince },
  );
  // An unidentified embed that changes its id is rechecked with its children, so no
  // citation kept as it is can lose its parent. A link that now leads to a post
  // already cited elsewhere joins that citation: the rechecked one carries its
  // history (merged by id in buildCitation), the kept one lends its occurrences.
  const recheckedById = new Map(rechecked.map((citation) => [citation.id, citation]));
  const kept: Citation[] = [];
  for (const citation of record.citations) {
    if (selected.has(citation.id)) continue;
    const joined = recheckedById.get(citation.id);
    if (joined === undefined) kept.push(citation);
    else {
      joined.occurrences = mergeOccurrences(citation.occurrences, joined.occurrences);
      if (joined.parent === undefined && citation.parent !== undefined) joined.parent = citation.parent;
    }
  }
  const updated: DocumentRecord = {
    ...record,
    processedAt: ports.clock.now().toISOString(),
    citations: [...kept, ...rechecked].sort(
      (a, b) => (a.occurrences[0]?.offset ?? 0) - (b.occurrences[0]?.offset ?? 0),
    ),
  };
  await ports.store.documents.write(updated, { replacing: record });
  return { record: updated, rechecked: selected.size };
}

export interface RecheckDocumentOptions {
  /**
   * How the picked citations' targets are asked: `true` (the default) always, or
   * `{ unlessCheckedSince }` unless checked since, as a recheck run does.
   */
  force?: Exclude<Force, false>;
}

/** The index keys of what a citation cites: `link:<url>` and `post:<id>`, as TargetChecker keeps them. */
function targetKeysOf(citation: Citation): string[] {
  const keys: string[] = [];
  if (citation.type === 'link' && citation.link !== undefined) keys.push(linkTargetKey(citation.link.url));
  if (citation.post?.id !== undefined) keys.push(postTargetKey(citation.post.id));
  return keys;
}

/** A recorded citation, put back into the shape resolution starts from. */
function asExtracted(citation: Citation): ExtractedCitation {
  const extracted: ExtractedCitation = { id: citation.id, type: citation.type, occurrences: citation.occurrences };
  if (citation.parent !== undefined) extracted.parent = citation.parent;
  if (citation.post !== undefined) extracted.post = citation.post;
  if (citation.type === 'link' && citation.link !== undefined) extracted.link = { url: citation.link.url };
  return extracted;
}
