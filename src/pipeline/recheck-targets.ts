import type { DocumentRecord, Status } from '../model/index.js';
import type { DueSelection, Store, TargetClaims, TargetState } from '../ports.js';
import { reverseIndexKey } from '../record/data-dir-index.js';
import { isDue, type RecheckSchedule } from '../targets/recheck-schedule.js';
import { concurrencyLimit, type PipelinePorts } from './check-citations.js';
import { recheckDocument } from './recheck.js';

/**
 * A recheck by target (contract section 10). A run picks the due targets from the
 * store's target states, and the reverse index names the documents citing them; each
 * document is then written once, with a new check of each of its due targets. A target
 * is asked once a run however many documents cite it: the first document to need it
 * asks upstream, and every other one, in this process or another, reuses that check
 * (TargetChecker with `{ unlessCheckedSince: plannedAt }`, under the target's claim).
 * Used alike by `citesnap recheck` and by a worker's `recheck-targets` job, which holds
 * one part of a run.
 */

/** What a run rechecks: the due targets (`recheck`), or those that failed or stay unidentified (`retry-failed`). */
export type RecheckRun = { kind: 'recheck'; schedule: RecheckSchedule } | { kind: 'retry-failed' };

/** A document of a run and the keys of its targets due in it. */
export interface DocumentDue {
  docId: string;
  targets: string[];
}

export interface RecheckPlan {
  /** The due target keys. */
  targets: string[];
  /** The documents citing them, by doc id. */
  documents: DocumentDue[];
}

/** Statuses `retry-failed` asks about again. */
const RETRIED_STATUSES: ReadonlySet<Status> = new Set<Status>(['failed', 'unidentified']);

/**
 * The targets a run asks about, from the store's target states (no record is read).
 * An unidentified post (key `embed:…`) is due like any target: rechecking it looks it
 * up again from its links and in the Wayback CDX (contract 6a), where a copy may have
 * appeared since; `retry-failed` takes every one, a scheduled recheck those due.
 */
export function targetsOfRun(states: Iterable<TargetState>, run: RecheckRun, now: number): string[] {
  const keys: string[] = [];
  for (const state of states) {
    if (run.kind === 'retry-failed') {
      if (RETRIED_STATUSES.has(state.status)) keys.push(state.key);
      continue;
    }
    const unidentifiedPost = state.key.startsWith('embed:') && state.status === 'unidentified';
    if (!(state.key.startsWith('post:') || state.key.startsWith('link:') || unidentifiedPost)) continue;
    const history =
      state.firstCheckedAt === undefined || state.lastCheckedAt === undefined
        ? undefined
        : {
            firstCheckedAt: state.firstCheckedAt,
            lastCheckedAt: state.lastCheckedAt,
            changedAtLastCheck: state.changedAtLastCheck,
          };
    if (isDue(history, now, run.schedule)) keys.push(state.key);
  }
  return keys;
}

/**
 * The due targets of a run and the documents citing them (the reverse index may name one
 * too many: the record decides later). A store that plans by itself (PostgreSQL, one
 * query over indexed columns) does; otherwise every target state is read and filtered here.
 */
export async function planRecheckRun(store: Store, run: RecheckRun, now: number): Promise<RecheckPlan> {
  if (store.citing.planDue !== undefined) return store.citing.planDue(dueSelectionOf(run, now));
  const targets = targetsOfRun(await store.citing.targetStates(), run, now);
  const byDocument = new Map<string, string[]>();
  for (const key of targets) {
    for (const docId of await store.citing.documentsCiting(key)) {
      const keys = byDocument.get(docId);
      if (keys === undefined) byDocument.set(docId, [key]);
      else keys.push(key);
    }
  }
  return { targets, documents: [...byDocument].map(([docId, keys]) => ({ docId, targets: keys })) };
}

/** A run as the selection a store's own planner takes (the same targets targetsOfRun picks). */
export function dueSelectionOf(run: RecheckRun, now: number): DueSelection {
  if (run.kind === 'retry-failed') return { kind: 'statuses', statuses: [...RETRIED_STATUSES] };
  if (run.schedule.kind === 'fixed') return { kind: 'checked-before', before: now - run.schedule.olderThanMs };
  return { kind: 'widening', now };
}

export interface RecheckDocumentsOptions {
  documents: readonly DocumentDue[];
  ports: PipelinePorts;
  /** When the run was planned (ms since the epoch): a target checked since is not asked again. */
  plannedAt: number;
  /** Serialises work on one record across processes (the worker's Redis claims). */
  documentLocks?: TargetClaims;
  /** Documents worked on at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  /** After each document. */
  onProgress?: (progress: { documentsDone: number; documents: number }) => void;
  /** Each record updated, as written. */
  onDocument?: (record: DocumentRecord, rechecked: number) => void;
}

export interface RecheckDocumentsResult {
  /** Records updated. */
  documents: number;
  /** Citations that got a new check. */
  citations: number;
  /** Records that could not be updated, with why; the caller decides whether that fails the run. */
  failures: { docId: string; error: unknown }[];
}

const DEFAULT_CONCURRENCY = 16;

/** Updates the documents of a run (or of one part of it), each written once. */
export async function recheckDocuments(options: RecheckDocumentsOptions): Promise<RecheckDocumentsResult> {
  const force = { unlessCheckedSince: options.plannedAt };
  const result: RecheckDocumentsResult = { documents: 0, citations: 0, failures: [] };
  const limit = concurrencyLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  let documentsDone = 0;
  const work = options.documents.map((due) =>
    limit(async () => {
      if (options.signal?.aborted) return;
      const keys = new Set(due.targets);
      try {
        const release = await options.documentLocks?.acquire(`document:${due.docId}`);
        try {
          // The reverse index may name a document that no longer cites a target: the record decides.
          const outcome = await recheckDocument(
            due.docId,
            (citation) => keys.has(reverseIndexKey(citation)),
            options.ports,
            { force },
          );
          if (outcome !== undefined && outcome.rechecked > 0) {
            result.documents += 1;
            result.citations += outcome.rechecked;
            options.onDocument?.(outcome.record, outcome.rechecked);
          }
        } finally {
          await release?.();
        }
      } catch (error) {
        if (!options.signal?.aborted) result.failures.push({ docId: due.docId, error });
      }
      documentsDone += 1;
      options.onProgress?.({ documentsDone, documents: options.documents.length });
    }),
  );
  await Promise.all(work);
  options.signal?.throwIfAborted();
  return result;
}
