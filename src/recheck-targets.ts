import type { TargetClaims, TimedPostCheck } from './capture/target-checker.js';
import { concurrencyLimit, recheckDocument, type PipelinePorts } from './pipeline.js';
import { reverseIndexKey } from './record/index-database.js';
import type { TargetState } from './record/index-database.js';
import type { DocumentRecord, Status } from './record/types.js';
import { isDue, type RecheckSchedule } from './targets/recheck-schedule.js';
import type { LinkCheck } from './resolve/ports.js';

/**
 * A recheck by target (contract section 10): each target is asked about once, however
 * many documents cite it, and then every document the reverse index says cites it gets
 * the new check and status (its earlier capture stays). Used alike by `citesnap recheck`
 * and by a worker's `recheck-targets` job, which holds one part of a run.
 */
export interface RecheckTargetsOptions {
  /** Target keys: `post:<id>`, `link:<url>`, or an unidentified embed's citation id (`embed:…`). */
  targets: readonly string[];
  ports: PipelinePorts;
  /** Serialises work on one record across processes (the worker's Redis claims). */
  documentLocks?: TargetClaims;
  /**
   * A target whose newest check in the target index is this recent (ms since the epoch) is
   * not asked again: a part taken over from a worker that died, or retried, reuses what the
   * first attempt fetched. Default: every target is asked.
   */
  checkedSince?: number;
  /** Targets asked at once, and records updated at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  /** After each target checked and each document updated. */
  onProgress?: (progress: RecheckProgress) => void;
  /** Each record updated, as written. */
  onDocument?: (record: DocumentRecord, rechecked: number) => void;
}

export interface RecheckProgress {
  targetsChecked: number;
  targets: number;
  documentsUpdated: number;
  /** Known once every target is checked. */
  documents: number | undefined;
}

export interface RecheckTargetsResult {
  /** Targets asked about (or reused from an earlier attempt of the same run). */
  targets: number;
  /** Records updated. */
  documents: number;
  /** Citations that got a new check. */
  citations: number;
  /** Records that could not be updated, with why; the caller decides whether that fails the run. */
  failures: { docId: string; error: unknown }[];
}

const DEFAULT_CONCURRENCY = 16;

export async function recheckTargets(options: RecheckTargetsOptions): Promise<RecheckTargetsResult> {
  const { ports } = options;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const targets = [...new Set(options.targets)];
  const progress: RecheckProgress = { targetsChecked: 0, targets: targets.length, documentsUpdated: 0, documents: undefined };

  // 1. Which documents cite these targets: the reverse index answers without reading a record.
  const docsByTarget = new Map<string, string[]>();
  const keysByDocument = new Map<string, Set<string>>();
  for (const key of targets) {
    const docIds = await ports.store.documentsCiting(key);
    docsByTarget.set(key, docIds);
    for (const docId of docIds) {
      let keys = keysByDocument.get(docId);
      if (keys === undefined) keysByDocument.set(docId, (keys = new Set()));
      keys.add(key);
    }
  }
  progress.documents = keysByDocument.size;

  // 2. Each target asked once; a document is updated as soon as every target of it in
  // this run is checked, written once with all their checks, while the other targets
  // are still being asked (the records' writes overlap the upstreams' latency).
  const posts = new Map<string, TimedPostCheck>();
  const links = new Map<string, LinkCheck>();
  const prechecked: PipelinePorts = {
    ...ports,
    checker: {
      checkPost: (target, force) => Promise.resolve(posts.get(target.id) ?? ports.checker.checkPost(target, force)),
      checkLink: (url, force) => Promise.resolve(links.get(url) ?? ports.checker.checkLink(url, force)),
      lastCheckedAt: (key) => ports.checker.lastCheckedAt(key),
    },
  };
  const result: RecheckTargetsResult = { targets: targets.length, documents: 0, citations: 0, failures: [] };
  const updateLimit = concurrencyLimit(concurrency);
  const updates: Promise<void>[] = [];
  const updateDocument = async (docId: string, keys: ReadonlySet<string>): Promise<void> => {
    if (options.signal?.aborted) return;
    try {
      const release = await options.documentLocks?.acquire(`document:${docId}`);
      try {
        // The reverse index may name a document that no longer cites a target: the record decides.
        const outcome = await recheckDocument(docId, (citation) => keys.has(reverseIndexKey(citation)), prechecked);
        if (outcome !== undefined && outcome.rechecked > 0) {
          result.documents += 1;
          result.citations += outcome.rechecked;
          options.onDocument?.(outcome.record, outcome.rechecked);
        }
      } finally {
        await release?.();
      }
    } catch (error) {
      if (!options.signal?.aborted) result.failures.push({ docId, error });
    }
    progress.documentsUpdated += 1;
    options.onProgress?.({ ...progress });
  };
  const waiting = new Map([...keysByDocument].map(([docId, keys]) => [docId, keys.size]));
  try {
    await forEachAtOnce(targets, concurrency, options.signal, async (key) => {
      const docIds = docsByTarget.get(key) ?? [];
      const force = options.checkedSince === undefined || !((await ports.checker.lastCheckedAt(key)) >= options.checkedSince);
      if (key.startsWith('post:')) {
        const id = key.slice('post:'.length);
        const handle = await handleOf(key, docIds, ports);
        posts.set(id, await ports.checker.checkPost(handle === undefined ? { id } : { id, handle }, force));
      } else if (key.startsWith('link:')) {
        const url = key.slice('link:'.length);
        links.set(url, await ports.checker.checkLink(url, force));
      }
      // Anything else is a post known only from its article: identifying it again is
      // the document's work, with the links inside it.
      progress.targetsChecked += 1;
      options.onProgress?.({ ...progress });
      for (const docId of docIds) {
        const left = (waiting.get(docId) ?? 1) - 1;
        waiting.set(docId, left);
        const keys = keysByDocument.get(docId);
        if (left === 0 && keys !== undefined) updates.push(updateLimit(() => updateDocument(docId, keys)));
      }
    });
  } finally {
    // Updates already started finish (or see the abort) before the run returns or throws.
    await Promise.allSettled(updates);
  }
  options.signal?.throwIfAborted();
  return result;
}

/** The handle a post is cited with, from the first record that names one: oEmbed and the post's URL use it. */
async function handleOf(key: string, docIds: readonly string[], ports: PipelinePorts): Promise<string | undefined> {
  for (const docId of docIds.slice(0, 3)) {
    const record = await ports.store.read(docId).catch(() => undefined);
    const citation = record?.citations.find((candidate) => reverseIndexKey(candidate) === key);
    const handle = citation?.post?.handle ?? citation?.post?.embed?.handle;
    if (handle !== undefined) return handle;
  }
  return undefined;
}

/** Runs `work` over `items`, at most `limit` at once; stops starting new ones once `signal` aborts, and throws then. */
async function forEachAtOnce<T>(items: readonly T[], limit: number, signal: AbortSignal | undefined, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  signal?.throwIfAborted();
}

/** What a run rechecks: the due targets (`recheck`), or those that failed or stay unidentified (`retry-failed`). */
export type RecheckRun = { kind: 'recheck'; schedule: RecheckSchedule } | { kind: 'retry-failed' };

/** Statuses `retry-failed` asks about again. */
const RETRIED_STATUSES: ReadonlySet<Status> = new Set<Status>(['failed', 'unidentified']);

/**
 * The targets a run asks about, from the store's target states (no record is read).
 * An unidentified post has no target to ask: `retry-failed` identifies it again from
 * its links, while a scheduled recheck leaves it to them (they are targets of their own).
 */
export function targetsOfRun(states: Iterable<TargetState>, run: RecheckRun, now: number): string[] {
  const keys: string[] = [];
  for (const state of states) {
    const askable = state.key.startsWith('post:') || state.key.startsWith('link:');
    if (run.kind === 'retry-failed') {
      if (RETRIED_STATUSES.has(state.status)) keys.push(state.key);
      continue;
    }
    if (!askable) continue;
    const history =
      state.firstCheckedAt === undefined || state.lastCheckedAt === undefined
        ? undefined
        : { firstCheckedAt: state.firstCheckedAt, lastCheckedAt: state.lastCheckedAt, changedAtLastCheck: state.changedAtLastCheck };
    if (isDue(history, now, run.schedule)) keys.push(state.key);
  }
  return keys;
}
