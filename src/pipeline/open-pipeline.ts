import { warcRecorder } from '../capture/recorder.js';
import { readResponseRecord, warcFileReader, type WarcFileReader } from '../capture/warc-reader.js';
import { outboxFolder, WarcWriter } from '../capture/warc-writer.js';
import type { Config } from '../config.js';
import { FetchError, UsageError } from '../errors.js';
import { defaultDecodeLimits, HttpClient, type HostGate } from '../net/index.js';
import {
  systemClock,
  type Clock,
  type Fetcher,
  type StatusChangeListener,
  type TargetClaims,
  type WarcStore,
} from '../ports.js';
import { resolveLink } from '../resolve/resolve-link.js';
import type { FetchArticle } from '../source.js';
import { CheckJournal } from '../targets/check-journal.js';
import { TargetChecker } from '../targets/target-checker.js';
import { VERSION } from '../version.js';
import { openWarcStore } from '../warc-store/index.js';
import { capturesStoredFirst } from './captures-stored-first.js';
import type { PipelinePorts } from './check-citations.js';
import { openStore } from './open-store.js';

/**
 * t.co answers a browser with an HTML page and anything else with a plain 301, so it
 * always gets citesnap's own name, whatever CITESNAP_USER_AGENT says.
 */
const SHORT_LINK_USER_AGENT = `citesnap/${VERSION}`;

/** The ports built from the configuration, and what must be closed after. */
export interface OpenPipeline {
  ports: PipelinePorts;
  /** Fetches an article by URL through the same guarded client, archiving what it fetched. */
  fetchArticle: FetchArticle;
  /**
   * Resolves once the WARC store is checked and a killed run's unstored WARC files are
   * in it; a misconfigured store rejects with a UsageError. Commands wait on it before
   * fetching anything (a record waits on it anyway).
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The WARC store the configuration names, and a reader of it that looks in this data
 * dir's outbox first (files not in the store yet, or left by a killed run).
 */
export function openWarcFiles(config: Config): { store: WarcStore; reader: WarcFileReader } {
  const store = openWarcStore(config.warcStore);
  return {
    store,
    reader: warcFileReader(store, store.folder === undefined ? outboxFolder(config.dataDir) : undefined),
  };
}

/**
 * Builds the pipeline's ports from the configuration: one guarded HTTP client, one
 * WARC writer for this process, the store (the data dir, or PostgreSQL). The CLI
 * and the worker both start here; the worker passes `hostGate` and `claims` to
 * share host limits and target checks across processes.
 */
export interface OpenPipelineOptions {
  /** Shares host limits across processes (the worker's Redis gate); default: this process only. */
  hostGate?: HostGate;
  /**
   * Shares target checks across processes (the worker's Redis claims); default: none.
   * A store that keeps claims of its own (PostgreSQL's lease rows, the data dir's lock
   * files) uses those instead: they guard its state, and hold for every process sharing
   * the store, with Redis or without.
   */
  claims?: TargetClaims;
  /** Lease of a claim the store keeps (PostgreSQL); default 30 s. */
  claimLeaseMs?: number;
  /** Wraps the HTTP client, e.g. to count upstream requests for metrics. */
  wrapFetcher?: (fetcher: Fetcher) => Fetcher;
  /** The time every record and index entry is stamped with; default: the wall clock. */
  clock?: Clock;
  /** Told of the status changes each record written brings (the worker's metrics). */
  onStatusChanges?: StatusChangeListener;
}

export function openPipeline(config: Config, options: OpenPipelineOptions = {}): OpenPipeline {
  const clock = options.clock ?? systemClock;
  const client = new HttpClient({
    routes: config.connectTo,
    userAgent: config.userAgent,
    timeoutMs: config.timeoutMs,
    maxBodyBytes: config.maxBodyBytes,
    hostConcurrency: config.hostConcurrency,
    clock,
    ...(options.hostGate === undefined ? {} : { hostGate: options.hostGate }),
  });
  const fetcher = options.wrapFetcher === undefined ? client : options.wrapFetcher(client);
  const warcFiles = openWarcFiles(config);
  const writer = new WarcWriter({
    dataDir: config.dataDir,
    store: warcFiles.store,
    maxFileBytes: config.warcRollBytes,
    ...(config.warcRollAfterMs === undefined ? {} : { maxFileAgeMs: config.warcRollAfterMs }),
    software: `citesnap/${VERSION}`,
  });
  // Started now, so a killed run's files are on their way to the store before anything waits on them.
  writer.recover().catch(() => undefined);
  const record = warcRecorder(writer);
  const openedStore = openStore(config, {
    ...(options.onStatusChanges === undefined ? {} : { onStatusChanges: options.onStatusChanges }),
    ...(options.claimLeaseMs === undefined ? {} : { claimLeaseMs: options.claimLeaseMs }),
  });
  // A folder store's files are written in place, readable once synced: there is nothing
  // to wait for, so no record or index entry is walked for the WARC files it names.
  const store =
    warcFiles.store.folder === undefined
      ? capturesStoredFirst(openedStore, (files) => writer.stored(files))
      : openedStore;
  const claims = store.claims ?? options.claims;
  const checker = new TargetChecker({
    fetcher,
    record,
    index: store.targets,
    refreshAfterMs: config.refreshAfterMs,
    maxRedirects: config.maxRedirects,
    shortLinkUserAgent: SHORT_LINK_USER_AGENT,
    clock,
    journal: new CheckJournal({
      journals: store.journals,
      readRecorded: (location) => readResponseRecord(warcFiles.reader, location),
      decodeLimits: defaultDecodeLimits(config.maxBodyBytes),
    }),
    ...(claims === undefined ? {} : { claims }),
  });
  const fetchArticle: FetchArticle = async (url) => {
    const resolution = await resolveLink(url, {
      fetcher,
      record,
      maxRedirects: config.maxRedirects,
      shortLinkUserAgent: SHORT_LINK_USER_AGENT,
    });
    const { end } = resolution;
    if (end.kind === 'page') {
      const contentType = end.exchange.header('content-type');
      return {
        finalUrl: resolution.link.finalUrl ?? url,
        body: end.exchange.decodedBody(),
        ...(contentType === undefined ? {} : { contentType }),
      };
    }
    if (end.kind === 'post')
      throw new UsageError(`${url}: leads to a post (${resolution.link.finalUrl ?? ''}), not an article`);
    const message = `${url}: cannot fetch the article: ${end.error.message}`;
    // A URL that leads nowhere or is refused is bad input; a timeout or a 5xx may pass.
    const httpStatus = resolution.link.httpStatus;
    throw end.status === 'failed'
      ? new FetchError(end.error.code, message, httpStatus === undefined ? {} : { httpStatus })
      : new UsageError(message);
  };
  return {
    ports: { store, checker, clock },
    fetchArticle,
    ready: () => writer.recover(),
    close: async () => {
      try {
        await writer.close();
      } finally {
        await client.close();
        await store.close();
        await warcFiles.store.close();
      }
    },
  };
}
