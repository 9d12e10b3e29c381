// The fiddly parts of retrying, as pure functions with their own tests.

/**
 * How long a Retry-After header asks to wait, in milliseconds from `now`: the
 * value is delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). A negative
 * delay or a date in the past is 0; an absent or unreadable value is undefined,
 * so the caller falls back to its own backoff.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  // RFC 9110 allows whole seconds only; fractions cost nothing to honour.
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.max(0, Math.round(Number(text) * 1000));
  const date = parseHttpDate(text, now);
  return date === undefined ? undefined : Math.max(0, date - now.getTime());
}

export interface BackoffOptions {
  /** The ceiling of the first retry's delay; each later retry doubles it. */
  baseMs: number;
  /** The ceiling no delay goes over. */
  maxMs: number;
  /** A number in [0, 1), e.g. Math.random. */
  random: () => number;
}

/**
 * The delay before retrying after failed attempt number `attempt` (1 for the
 * first): exponential backoff with full jitter, a uniform pick from
 * [0, min(maxMs, baseMs * 2^(attempt - 1))), so that many clients that failed
 * together do not retry together.
 */
export function backoffDelay(attempt: number, { baseMs, maxMs, random }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const TIME = String.raw`(\d{2}):(\d{2}):(\d{2})`;
const MONTH = String.raw`([a-z]{3})`;
// The three forms a recipient must accept (RFC 9110 section 5.6.7).
const IMF_FIXDATE = new RegExp(String.raw`^[a-z]{3}, (\d{2}) ${MONTH} (\d{4}) ${TIME} GMT$`, 'i');
const RFC_850_DATE = new RegExp(String.raw`^[a-z]{6,9}, (\d{2})-${MONTH}-(\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(String.raw`^[a-z]{3} ${MONTH} ( \d|\d{2}) ${TIME} (\d{4})$`, 'i');

/** An HTTP-date as milliseconds since the epoch; undefined when `text` is not one. */
function parseHttpDate(text: string, now: Date): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match !== null) {
    const [, day, month, year, hours, minutes, seconds] = match;
    return utc({ year: Number(year), month, day, hours, minutes, seconds });
  }
  match = RFC_850_DATE.exec(text);
  if (match !== null) {
    const [, day, month, twoDigitYear, hours, minutes, seconds] = match;
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
    let year = Math.floor(now.getUTCFullYear() / 100) * 100 + Number(twoDigitYear);
    if (year > now.getUTCFullYear() + 50) year -= 100;
    return utc({ year, month, day, hours, minutes, seconds });
  }
  match = ASCTIME_DATE.exec(text);
  if (match !== null) {
    const [, month, day, hours, minutes, seconds, year] = match;
    return utc({ year: Number(year), month, day, hours, minutes, seconds });
  }
  return undefined;
}

interface DateFields {
  year: number;
  month: string | undefined;
  day: string | undefined;
  hours: string | undefined;
  minutes: string | undefined;
  seconds: string | undefined;
}

function utc({ year, month, day, hours, minutes, seconds }: DateFields): number | undefined {
  const monthIndex = MONTHS.indexOf(month?.toLowerCase() ?? '');
  const date = new Date(Date.UTC(year, monthIndex, Number(day), Number(hours), Number(minutes), Number(seconds)));
  // Date.UTC rolls "31 Feb" over into March, 25:00 into the next day and years
  // below 100 into the 1900s: refuse those.
  const valid =
    monthIndex !== -1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === monthIndex &&
    date.getUTCDate() === Number(day) &&
    date.getUTCHours() === Number(hours) &&
    date.getUTCMinutes() === Number(minutes) &&
    date.getUTCSeconds() === Number(seconds);
  return valid ? date.getTime() : undefined;
}
