import { CheckJournal, type JournalContent } from './capture/check-journal.js';
import { warcRecorder } from './capture/recorder.js';
import { readResponseRecord } from './capture/warc-reader.js';
import { TargetChecker, type TargetClaims, type TargetOutcome, type TimedPostCheck } from './capture/target-checker.js';
import { WarcWriter } from './capture/warc-writer.js';
import type { Config } from './config.js';
import { CitesnapError, FetchError, UsageError } from './errors.js';
import { extractFromHtml, extractFromText, type ExtractedCitation } from './extract/index.js';
import { buildCitation, type CitationFindings } from './record/build-citation.js';
import { writeFileAtomic } from './record/atomic-file.js';
import { DocumentStore, serializeRecord, sidecarPathFor } from './record/store.js';
import { TargetIndex } from './record/target-index.js';
import { SCHEMA_VERSION, type Check, type Citation, type DocumentRecord } from './record/types.js';
import { mergeOccurrences, resolveCitations, type ResolvedCitation } from './resolve/resolve-citations.js';
import type { Fetcher } from './resolve/ports.js';
import { resolveLink } from './resolve/resolve-link.js';
import { defaultDecodeLimits, HttpClient, type HostGate } from './net/index.js';
import { sha256Hex, type FetchArticle, type LoadedSource } from './source.js';
import { VERSION } from './version.js';

/** What the pipeline needs from the outside world, passed in rather than reached for. */
export interface PipelinePorts {
  store: DocumentStore;
  /** Resolves and captures targets, reusing recent checks (capture/target-checker.ts). */
  checker: TargetChecker;
  now: () => Date;
  /** Citations checked at once within one document (default 8). */
  concurrency?: number;
}

export interface ArchiveRequest {
  docId: string;
  source: LoadedSource;
  /** Write `<name>.citations.json` next to a local source file (default true). */
  sidecar?: boolean;
}

const DEFAULT_CONCURRENCY = 8;

/**
 * t.co answers a browser with an HTML page and anything else with a plain 301, so it
 * always gets citesnap's own name, whatever CITESNAP_USER_AGENT says.
 */
const SHORT_LINK_USER_AGENT = `citesnap/${VERSION}`;

/**
 * The whole pipeline for one document, used alike by the CLI and the queue worker:
 * extract -> resolve -> capture -> record. Running it again for the same document
 * within the refresh window reuses every check and leaves the same citations.
 */
export async function archiveDocument(request: ArchiveRequest, ports: PipelinePorts): Promise<DocumentRecord> {
  const { source } = request;
  const extracted = source.mediaType === 'text/html' ? extractFromHtml(source.text) : extractFromText(source.text);
  const previous = await ports.store.read(request.docId);
  const citations = await checkCitations(extracted.citations, previousById(previous), ports, () => false);
  const record: DocumentRecord = {
    schemaVersion: SCHEMA_VERSION,
    docId: request.docId,
    source: {
      uri: source.uri,
      mediaType: source.mediaType,
      sha256: sha256Hex(source.bytes),
      bytes: source.bytes.length,
      ...(extracted.title === undefined ? {} : { title: extracted.title }),
    },
    processedAt: ports.now().toISOString(),
    citations,
  };
  await ports.store.write(record);
  if (source.path !== undefined && request.sidecar !== false) {
    const sidecar = sidecarPathFor(source.path);
    try {
      await writeFileAtomic(sidecar, serializeRecord(record));
    } catch (error) {
      throw new SidecarError(`${sidecar}: cannot write the sidecar (${(error as Error).message}); the record is in the data dir`, record, { cause: error });
    }
  }
  return record;
}

/**
 * The record is written to the data dir, but not beside its source (a read-only
 * folder, say): the CLI reports it, the worker logs it and completes the job.
 */
export class SidecarError extends CitesnapError {
  constructor(
    message: string,
    readonly record: DocumentRecord,
    options?: ErrorOptions,
  ) {
    super('SIDECAR_WRITE', message, options);
  }
}

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
): Promise<{ record: DocumentRecord; rechecked: number } | undefined> {
  const record = await ports.store.read(docId);
  if (!record) return undefined;
  const picked = record.citations.filter(select);
  const selected = new Set(picked.map((citation) => citation.id));
  // Only what was picked is asked again whatever the index holds; the links of an
  // unidentified embed come along to identify it, reusing recent checks of theirs,
  // so a retry schedule does not capture the same healthy page again and again.
  const forced = new Set(picked.flatMap((citation) => targetKeysOf(citation)));
  const unidentifiedPicked = new Set(picked.filter((citation) => citation.status === 'unidentified').map((citation) => citation.id));
  for (const citation of record.citations) {
    if (citation.parent !== undefined && unidentifiedPicked.has(citation.parent)) selected.add(citation.id);
  }
  if (selected.size === 0) return { record, rechecked: 0 };

  const again = record.citations.filter((citation) => selected.has(citation.id)).map(asExtracted);
  const rechecked = await checkCitations(again, previousById(record), ports, (key) => forced.has(key));
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
    processedAt: ports.now().toISOString(),
    citations: [...kept, ...rechecked].sort((a, b) => (a.occurrences[0]?.offset ?? 0) - (b.occurrences[0]?.offset ?? 0)),
  };
  await ports.store.write(updated);
  return { record: updated, rechecked: selected.size };
}

/** The index keys of what a citation cites: `link:<url>` and `post:<id>`, as TargetChecker keeps them. */
function targetKeysOf(citation: Citation): string[] {
  const keys: string[] = [];
  if (citation.type === 'link' && citation.link !== undefined) keys.push(`link:${citation.link.url}`);
  if (citation.post?.id !== undefined) keys.push(`post:${citation.post.id}`);
  return keys;
}

/**
 * The resolve and capture stages over a list of citations, merged with their previous
 * versions. `force` says which targets (by index key) must be asked again even when a
 * recent check of theirs could be reused.
 */
async function checkCitations(
  extracted: readonly ExtractedCitation[],
  previous: ReadonlyMap<string, Citation>,
  ports: PipelinePorts,
  force: (targetKey: string) => boolean,
): Promise<Citation[]> {
  const limit = concurrencyLimit(ports.concurrency ?? DEFAULT_CONCURRENCY);
  const postChecks = new Map<string, Promise<TimedPostCheck>>();
  const checkPost: CheckPost = (target) => {
    let check = postChecks.get(target.id);
    if (check === undefined) {
      check = limit(() => ports.checker.checkPost(target, force(`post:${target.id}`)));
      // Awaited below; marked handled now so a failure while links resolve is not "unhandled".
      check.catch(() => undefined);
      postChecks.set(target.id, check);
    }
    return check;
  };
  // Posts the article names by id are checked while the links resolve: both share the
  // document's request slots instead of running one stage after the other.
  for (const citation of extracted) {
    const target = postTargetOf(citation);
    if (target !== undefined) void checkPost(target);
  }
  const resolved = await resolveCitations(extracted, { checkLink: (url) => limit(() => ports.checker.checkLink(url, force(`link:${url}`))) });
  const findings = await Promise.all(resolved.map((citation) => findingsFor(citation, resolved, checkPost)));
  return resolved.map((citation, index) => buildCitation(citation, findings[index]!, previous.get(citation.id)));
}

type CheckPost = (target: { id: string; handle?: string }) => Promise<TimedPostCheck>;

function postTargetOf(citation: { type: string; post?: { id?: string; handle?: string } }): { id: string; handle?: string } | undefined {
  const id = citation.post?.id;
  if (citation.type !== 'post' || id === undefined) return undefined;
  const handle = citation.post?.handle;
  return handle === undefined ? { id } : { id, handle };
}

/** Runs at most `max` of the tasks given to it at once, in the order given. */
function concurrencyLimit(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function findingsFor(citation: ResolvedCitation, all: readonly ResolvedCitation[], checkPost: CheckPost): Promise<CitationFindings> {
  const target = postTargetOf(citation);
  if (target !== undefined) {
    const check = await checkPost(target);
    const recordedCheck: Check = { at: check.checkedAt, status: check.status };
    if (check.httpStatus !== undefined) recordedCheck.httpStatus = check.httpStatus;
    if (check.error !== undefined) recordedCheck.error = check.error.code;
    const findings: CitationFindings = { status: check.status, check: recordedCheck, capturedPost: check.post };
    if (check.error !== undefined) findings.error = check.error;
    if (check.capture !== undefined) findings.capture = check.capture;
    return findings;
  }
  if (citation.type === 'post') {
    // Known only from the article: the last look at the links inside it is its check.
    const childChecks = all.filter((other) => other.parent === citation.id && other.linkCheckedAt !== undefined).map((other) => other.linkCheckedAt!);
    const latest = childChecks.sort().at(-1);
    return latest === undefined ? { status: 'unidentified' } : { status: 'unidentified', check: { at: latest, status: 'unidentified' } };
  }
  const end = citation.linkEnd;
  const at = citation.linkCheckedAt;
  if (end === undefined || at === undefined) return { status: 'failed', error: { code: 'BAD_RESPONSE', message: 'the link was not resolved' } };
  const httpStatus = citation.link?.httpStatus;
  if (end.kind === 'page') {
    return { status: 'archived', capture: end.capture, check: { at, status: 'archived', ...(httpStatus === undefined ? {} : { httpStatus }) } };
  }
  if (end.kind === 'error') {
    return {
      status: end.status,
      error: end.error,
      check: { at, status: end.status, error: end.error.code, ...(httpStatus === undefined ? {} : { httpStatus }) },
    };
  }
  // A link that ended at a post has joined that post's citation during resolution.
  return { status: 'failed', error: { code: 'BAD_RESPONSE', message: `the link leads to post ${end.id} but was not joined to it` } };
}

function previousById(record: DocumentRecord | undefined): Map<string, Citation> {
  return new Map((record?.citations ?? []).map((citation) => [citation.id, citation]));
}

/** A recorded citation, put back into the shape resolution starts from. */
function asExtracted(citation: Citation): ExtractedCitation {
  const extracted: ExtractedCitation = { id: citation.id, type: citation.type, occurrences: citation.occurrences };
  if (citation.parent !== undefined) extracted.parent = citation.parent;
  if (citation.post !== undefined) extracted.post = citation.post;
  if (citation.type === 'link' && citation.link !== undefined) extracted.link = { url: citation.link.url };
  return extracted;
}

/** The ports built from the configuration, and what must be closed after. */
export interface OpenPipeline {
  ports: PipelinePorts;
  /** Fetches an article by URL through the same guarded client, archiving what it fetched. */
  fetchArticle: FetchArticle;
  close(): Promise<void>;
}

/**
 * Builds the pipeline's ports from the configuration: one guarded HTTP client, one
 * WARC writer for this process, the store and the index in the data dir. The CLI
 * and the worker both start here; the worker passes `hostGate` and `claims` to
 * share host limits and target checks across processes.
 */
export interface OpenPipelineOptions {
  /** Shares host limits across processes (the worker's Redis gate); default: this process only. */
  hostGate?: HostGate;
  /** Shares target checks across processes (the worker's Redis claims); default: none. */
  claims?: TargetClaims;
  /** Wraps the HTTP client, e.g. to count upstream requests for metrics. */
  wrapFetcher?: (fetcher: Fetcher) => Fetcher;
}

export function openPipeline(config: Config, options: OpenPipelineOptions = {}): OpenPipeline {
  const client = new HttpClient({
    routes: config.connectTo,
    userAgent: config.userAgent,
    timeoutMs: config.timeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    hostConcurrency: config.hostConcurrency,
    ...(options.hostGate === undefined ? {} : { hostGate: options.hostGate }),
  });
  const fetcher = options.wrapFetcher === undefined ? client : options.wrapFetcher(client);
  const writer = new WarcWriter({ dataDir: config.dataDir, software: `citesnap/${VERSION}` });
  const record = warcRecorder(writer);
  const now = (): Date => new Date();
  const checker = new TargetChecker({
    fetcher,
    record,
    index: new TargetIndex<TargetOutcome>({ dataDir: config.dataDir }),
    refreshAfterMs: config.refreshAfterMs,
    maxRedirects: config.maxRedirects,
    shortLinkUserAgent: SHORT_LINK_USER_AGENT,
    now,
    journal: new CheckJournal({
      index: new TargetIndex<JournalContent>({ dataDir: config.dataDir }),
      readRecorded: (location) => readResponseRecord(config.dataDir, location),
      decodeLimits: defaultDecodeLimits(config.maxBodyBytes),
    }),
    ...(options.claims === undefined ? {} : { claims: options.claims }),
  });
  const fetchArticle: FetchArticle = async (url) => {
    const resolution = await resolveLink(url, { fetcher, record, maxRedirects: config.maxRedirects, shortLinkUserAgent: SHORT_LINK_USER_AGENT });
    const { end } = resolution;
    if (end.kind === 'page') {
      const contentType = end.exchange.header('content-type');
      return { finalUrl: resolution.link.finalUrl ?? url, body: end.exchange.decodedBody(), ...(contentType === undefined ? {} : { contentType }) };
    }
    if (end.kind === 'post') throw new UsageError(`${url}: leads to a post (${resolution.link.finalUrl ?? ''}), not an article`);
    const message = `${url}: cannot fetch the article: ${end.error.message}`;
    // A URL that leads nowhere or is refused is bad input; a timeout or a 5xx may pass.
    const httpStatus = resolution.link.httpStatus;
    throw end.status === 'failed' ? new FetchError(end.error.code, message, httpStatus === undefined ? {} : { httpStatus }) : new UsageError(message);
  };
  return {
    ports: { store: new DocumentStore({ dataDir: config.dataDir }), checker, now },
    fetchArticle,
    close: async () => {
      await writer.close();
      await client.close();
    },
  };
}
