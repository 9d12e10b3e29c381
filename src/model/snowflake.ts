/** Twitter's epoch: Snowflake ids count milliseconds from 2010-11-04T01:42:54.657Z. */
const TWITTER_EPOCH_MS = 1288834974657n;
/** The first Snowflake id; older ids are sequential and carry no time. */
const FIRST_SNOWFLAKE_ID = 29700859247n;

/**
 * The creation time a post id carries, as ISO 8601, or undefined for pre-Snowflake
 * or malformed ids. Ids exceed 2^53, so the arithmetic stays in BigInt.
 */
export function snowflakeTime(id: string): string | undefined {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const value = BigInt(id);
  if (value < FIRST_SNOWFLAKE_ID) return undefined;
  const ms = (value >> 22n) + TWITTER_EPOCH_MS;
  if (ms > BigInt(8_640_000_000_000_000)) return undefined;
  return new Date(Number(ms)).toISOString();
}

/** The printed date is widened by this much on each side: the page printed it in some time zone (contract 6a). */
export const PRINTED_DATE_SLACK_MS = 14 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** The low 22 bits of an id are worker and sequence numbers, not time. */
const TIME_SHIFT = 22n;

/** The post ids that may have been printed with a date: ids whose Snowflake time lies in [from, to). */
export interface SnowflakeWindow {
  /** ISO times: the printed day (UTC) widened by 14 hours on each side. */
  from: string;
  to: string;
  /** The smallest and largest id of the window, inclusive. */
  minId: bigint;
  maxId: bigint;
  /** The middle of the printed day: candidates nearest it are compared first. */
  middleMs: number;
}

/** Why a printed date gives no lookup by time. */
export type NoWindowReason = 'no-date' | 'before-snowflake';

/**
 * The window of ids for a printed date (YYYY-MM-DD): that whole day in UTC, widened
 * by 14 hours on each side. A date that could not be read, or a day before ids carried
 * a time (2010-11-04), gives no window.
 */
export function snowflakeWindow(printedDate: string | undefined): SnowflakeWindow | NoWindowReason {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(printedDate ?? '');
  if (!match) return 'no-date';
  const dayStart = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (Number.isNaN(dayStart) || new Date(dayStart).toISOString().slice(0, 10) !== printedDate) return 'no-date';
  const fromMs = dayStart - PRINTED_DATE_SLACK_MS;
  const toMs = dayStart + DAY_MS + PRINTED_DATE_SLACK_MS;
  if (BigInt(fromMs) < TWITTER_EPOCH_MS + (FIRST_SNOWFLAKE_ID >> TIME_SHIFT)) return 'before-snowflake';
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    minId: (BigInt(fromMs) - TWITTER_EPOCH_MS) << TIME_SHIFT,
    maxId: ((BigInt(toMs) - TWITTER_EPOCH_MS) << TIME_SHIFT) - 1n,
    middleMs: dayStart + DAY_MS / 2,
  };
}

/** Whether an id (decimal digits) is a Snowflake id inside the window. */
export function isInWindow(id: string, window: SnowflakeWindow): boolean {
  if (!/^\d{1,20}$/.test(id)) return false;
  const value = BigInt(id);
  return value >= FIRST_SNOWFLAKE_ID && value >= window.minId && value <= window.maxId;
}

/** How far an id's time lies from the middle of the printed day, in ms; for ordering candidates. */
export function distanceFromMiddle(id: string, window: SnowflakeWindow): number {
  const ms = Number((BigInt(id) >> TIME_SHIFT) + TWITTER_EPOCH_MS);
  return Math.abs(ms - window.middleMs);
}

/**
 * Decimal prefixes that together cover every id of the window and little else: as
 * long as possible while there are at most `maxPrefixes` of them. A CDX query lists
 * the account's status URLs under the first digits all of them share and filters on
 * these, so that it returns that stretch of the account's posts only, however many
 * other posts of it were archived.
 */
export function idPrefixes(window: SnowflakeWindow, maxPrefixes = 12): string[] {
  const low = window.minId.toString();
  const high = window.maxId.toString();
  if (low.length !== high.length) return [''];
  let best = [''];
  for (let length = 1; length <= low.length; length++) {
    const first = BigInt(low.slice(0, length));
    const last = BigInt(high.slice(0, length));
    if (last - first + 1n > BigInt(maxPrefixes)) break;
    best = [];
    for (let prefix = first; prefix <= last; prefix++) best.push(prefix.toString());
  }
  return best;
}

/** The digits all the prefixes share. */
export function sharedPrefix(prefixes: readonly string[]): string {
  const [first = '', ...rest] = prefixes;
  let length = first.length;
  for (const prefix of rest) {
    let same = 0;
    while (same < length && prefix[same] === first[same]) same++;
    length = same;
  }
  return first.slice(0, length);
}
