import type { StoredResponse } from '../capture/warc-reader.js';
import type { JournaledAnswer, RecordedExchange, WarcLocation } from '../model/index.js';
import { RecordedExchange as ReplayedExchange, type DecodeLimits, type HttpExchange } from '../net/index.js';
import type { CheckJournals, ExchangeRecorder, Fetcher } from '../ports.js';
import { sha256Hex } from '../source.js';

/**
 * Why a journal: a target's check (a link's hops, a post's sources and photos) is
 * written to the index only when it ends, but each of its answers is in a WARC file
 * as soon as it arrives. A process killed half-way through a check leaves answers in
 * the WARC that no index entry points at, and the run that takes the job up would
 * fetch and store them a second time (contract section 9: no capture duplicated).
 * So every answer is noted in the check's journal (an index entry of its own) with
 * the place of its WARC record, just before that record is written; a later check of the same target that finds a journal
 * of an unfinished check within the refresh window replays those answers from the
 * WARC, in order, instead of asking again, and appends what it fetches after them.
 * The journal goes once the check's outcome is in the index.
 */

export interface CheckJournalOptions {
  /** Where the journals are kept (the store's, beside the targets' outcomes, under keys of their own). */
  journals: CheckJournals;
  /** Reads an answer back from its WARC record. */
  readRecorded: (location: WarcLocation) => Promise<StoredResponse>;
  /** How far a replayed body may be decoded, as the HTTP client's own. */
  decodeLimits: DecodeLimits;
}

/** The fetcher and recorder a check runs with. */
export interface CheckPorts {
  fetcher: Fetcher;
  record: ExchangeRecorder;
}

export class CheckJournal {
  constructor(private readonly options: CheckJournalOptions) {}

  /**
   * Starts the journal of a fresh check of `targetKey`. The answers of an earlier
   * check of it are replayed when that check did not end (no outcome in the index
   * since it began: `outcomeCheckedAt` older than it, or none) and began after
   * `replaySince` (the start of the refresh window); `replay: false` asks everything
   * again (a forced recheck).
   */
  async begin(
    targetKey: string,
    options: { startedAt: string; outcomeCheckedAt: string | undefined; replaySince: number; replay: boolean },
  ): Promise<JournaledCheck> {
    const key = `journal:${targetKey}`;
    const earlier = options.replay ? await this.options.journals.get(key) : undefined;
    const began = earlier === undefined ? Number.NaN : Date.parse(earlier.checkedAt);
    const unfinished =
      earlier !== undefined &&
      began >= options.replaySince &&
      (options.outcomeCheckedAt === undefined || Date.parse(options.outcomeCheckedAt) < began) &&
      Array.isArray(earlier.outcome.answers);
    return new JournaledCheck({
      key,
      // A continued journal keeps its first start: its answers are as old as that.
      startedAt: unfinished ? earlier.checkedAt : options.startedAt,
      answers: unfinished ? earlier.outcome.answers : [],
      ...this.options,
    });
  }
}

/** One check's journal: wraps its fetcher and recorder, and removes the journal when the check has ended. */
export class JournaledCheck {
  private readonly unreplayed: JournaledAnswer[];
  private readonly noted: JournaledAnswer[];
  /** Answers replayed from a WARC record: recording them again writes nothing. */
  private readonly replayed = new WeakMap<HttpExchange, RecordedExchange>();
  /**
   * The User-Agent a fresh answer was asked with, where the request set its own: with
   * the URL, what a replay must match (t.co answers a browser differently).
   */
  private readonly requestUserAgents = new WeakMap<HttpExchange, string>();
  /** Journal writes one after the other, so an older list never replaces a newer one. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly state: CheckJournalOptions & { key: string; startedAt: string; answers: JournaledAnswer[] },
  ) {
    this.unreplayed = [...state.answers];
    this.noted = [...state.answers];
  }

  /** The check's fetcher and recorder, journaling each answer and replaying those of the unfinished check. */
  ports(base: CheckPorts): CheckPorts {
    const fetcher: Fetcher = {
      fetch: async (url, init) => {
        const index = this.unreplayed.findIndex((answer) => answer.url === url && answer.userAgent === init?.userAgent);
        const answer = index === -1 ? undefined : this.unreplayed.splice(index, 1)[0];
        const replayed = answer === undefined ? undefined : await this.replay(answer);
        if (replayed !== undefined) return replayed;
        const exchange = await base.fetcher.fetch(url, init);
        if (init?.userAgent !== undefined) this.requestUserAgents.set(exchange, init.userAgent);
        return exchange;
      },
    };
    const record: ExchangeRecorder = async (exchange) => {
      const replayed = this.replayed.get(exchange);
      if (replayed !== undefined) return replayed;
      const userAgent = this.requestUserAgents.get(exchange);
      // Noted before the record is written, where it will be: a kill during the write
      // leaves a note whose record is missing or cut, which a replay checks for and
      // asks again; never a record without a note, which would be stored twice.
      return base.record(exchange, {
        beforeWrite: (recorded) => {
          this.noted.push({ url: exchange.url, ...(userAgent === undefined ? {} : { userAgent }), recorded });
          return this.save();
        },
      });
    };
    return { fetcher, record };
  }

  /** The check has ended and its outcome is in the index: its journal is of no more use. */
  async end(): Promise<void> {
    await this.writes;
    await this.state.journals.delete(this.state.key);
  }

  /**
   * The answer as its WARC record holds it; undefined, to ask again, when the record
   * is not there whole (the process was killed while writing it, or the file has
   * been moved away since).
   */
  private async replay(answer: JournaledAnswer): Promise<HttpExchange | undefined> {
    let stored: StoredResponse;
    try {
      stored = await this.state.readRecorded(answer.recorded.warc);
    } catch {
      return undefined;
    }
    if (stored.targetUri !== answer.url || sha256Hex(stored.payload) !== answer.recorded.sha256) return undefined;
    const exchange = new ReplayedExchange({
      url: answer.url,
      method: 'GET',
      startedAt: new Date(answer.recorded.at),
      remoteAddress: undefined,
      // The request is in the WARC already and is not written again.
      requestHeaders: [],
      status: stored.status,
      statusText: '',
      responseHeaders: stored.headers,
      body: Buffer.from(stored.payload),
      truncated: stored.truncated !== undefined,
      decodeLimits: this.state.decodeLimits,
    });
    this.replayed.set(exchange, answer.recorded);
    return exchange;
  }

  private save(): Promise<void> {
    const answers = [...this.noted];
    const write = this.writes.then(() =>
      this.state.journals.put({ key: this.state.key, checkedAt: this.state.startedAt, outcome: { answers } }),
    );
    this.writes = write.catch(() => undefined);
    return write;
  }
}
