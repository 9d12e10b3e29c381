// The attribution trailer an embedded post prints under its text,
// `— Name (@handle) Date`, read from plain text. Every reader here looks at a
// bounded window, so hostile text cannot make it backtrack or rescan.
import { collapseWhitespace, printedText } from './plain-text.js';
import { parsePrintedDate } from './printed-date.js';

/**
 * `(@handle)`: where every trailer is anchored. Handles are word characters, 15 at
 * most since 2009; older accounts kept longer ones, so up to MAX_HANDLE_LENGTH are read.
 */
const MAX_HANDLE_LENGTH = 50;
const HANDLE_IN_PARENTHESES = new RegExp(String.raw`^\(@(\w{1,${MAX_HANDLE_LENGTH}})\)`);
/** The longest `(@handle)`. */
export const HANDLE_SPAN = '(@)'.length + MAX_HANDLE_LENGTH;
/** How far before `(@` the dash may be: display names are at most 50 characters, emoji take two. */
export const MAX_ATTRIBUTION_SPAN = 120;
/** How far after `(@handle)` the printed date may end. */
export const MAX_DATE_SPAN = 64;
/** The longest date text kept from an embed's trailer; anything longer is not a date. */
const MAX_EMBED_DATE_TEXT = 64;
const DIGIT_RUN = /[0-9\u0660-\u0669\u06f0-\u06f9]+/g;
/** Characters that may close a printed date after its last digits: 2023年11月28日, 28. */
const DATE_CLOSERS = '日일.';

/** Reads the `(@handle)` that `text` starts with. */
export function readHandleInParentheses(text: string): { handle: string; length: number } | undefined {
  const match = HANDLE_IN_PARENTHESES.exec(text);
  return match?.[1] === undefined ? undefined : { handle: match[1], length: match[0].length };
}

export interface AttributionDash {
  /** Where the dash starts, in the text searched. */
  start: number;
  authorName: string;
}

/** How an em dash may be written: the character, its entity, or the JavaScript escape some CMSs store (`%u2014`). */
const EM_DASH_SPELLINGS = ['—', '&mdash;', '&#8212;', '%u2014'];
/** An en dash as the same CMSs store it; like `–`, a dash only with space on both sides. */
const ESCAPED_EN_DASH = '%u2013';
/** Display names are at most 50 characters; ZWJ and variation selectors do not count (they are parts of one emoji). */
const MAX_DISPLAY_NAME_LENGTH = 50;
const EMOJI_JOINERS = /\u200d|\ufe0e|\ufe0f/g;
const LINK_IN_NAME = /:\/\/|\bt\.co\/|\bpic\.(?:twitter|x)\.com\//;

/**
 * Finds the dash of `— Name (@` in `before`, the text that ends just before `(@`,
 * never across a line break. The dash may be an em dash (`—`, `&mdash;`,
 * `&#8212;` or `%u2014`, written tight or spaced), or an en dash or hyphen with
 * space on both sides (so that "Jean-Luc" is not split). The nearest em dash
 * wins, even past a spaced hyphen: in `— Partido Ejemplo - PE (@pe)` the hyphen is
 * part of the name. A spaced hyphen or en dash is the dash only where no em dash
 * is on the line, or where the one there would make a name no account can have
 * (longer than a display name, or holding a link: `Great news — we are open!
 * pic.twitter.com/x - City Hall (@cityhall)`).
 */
export function findAttributionDash(before: string, options: { lineBreaks: string }): AttributionDash | undefined {
  let spaced: { start: number; length: number } | undefined;
  for (let index = before.length - 1; index >= 0; index--) {
    const char = before.charAt(index);
    if (options.lineBreaks.includes(char)) break;
    const emDashLength = emDashEndingAt(before, index);
    if (emDashLength > 0) {
      const start = index - emDashLength + 1;
      const authorName = printedText(before.slice(index + 1));
      if (authorName === '') return undefined;
      if (spaced === undefined || isPossibleDisplayName(authorName)) return { start, authorName };
      break;
    }
    if (spaced !== undefined) continue;
    const spacedLength = spacedDashEndingAt(before, index);
    if (spacedLength > 0) {
      spaced = { start: index - spacedLength + 1, length: spacedLength };
      index = spaced.start;
    }
  }
  if (spaced === undefined) return undefined;
  const authorName = printedText(before.slice(spaced.start + spaced.length));
  return authorName === '' ? undefined : { start: spaced.start, authorName };
}

/** The length of the em dash whose last character is at `index` (0 where there is none). */
function emDashEndingAt(text: string, index: number): number {
  const char = text.charAt(index);
  if (char !== '—' && char !== ';' && char !== '4') return 0;
  for (const spelling of EM_DASH_SPELLINGS) {
    if (text.startsWith(spelling, index - spelling.length + 1) && index - spelling.length + 1 >= 0)
      return spelling.length;
  }
  return 0;
}

/** The length of the en dash or hyphen, with space on both sides, whose last character is at `index` (0 where there is none). */
function spacedDashEndingAt(text: string, index: number): number {
  if (!isSpaceAt(text, index + 1)) return 0;
  const char = text.charAt(index);
  let length = 0;
  if (char === '–' || char === '-') length = 1;
  else if (char === '3' && index >= ESCAPED_EN_DASH.length - 1 && text.startsWith(ESCAPED_EN_DASH, index - 5))
    length = ESCAPED_EN_DASH.length;
  if (length === 0) return 0;
  const start = index - length + 1;
  return start === 0 || isSpaceAt(text, start - 1) ? length : 0;
}

function isPossibleDisplayName(name: string): boolean {
  let length = 0;
  for (const _codePoint of name.replace(EMOJI_JOINERS, '')) length++;
  return length <= MAX_DISPLAY_NAME_LENGTH && !LINK_IN_NAME.test(name);
}

function isSpaceAt(text: string, index: number): boolean {
  return /\s/.test(text.charAt(index));
}

export interface PrintedDate {
  /** As printed, with runs of space (&nbsp; included) as one space; a markdown link's label. */
  dateText: string;
  /** YYYY-MM-DD, where the printed date can be read. */
  date?: string;
  /** Where the printed date ends, in the text read: after the `)` of a markdown link. */
  end: number;
}

/** How far after `(@handle)` a markdown date link may end: its label, and a status URL with its query. */
export const MAX_DATE_LINK_SPAN = MAX_DATE_SPAN + 2048;
/** `[label](url)`: a markdown link, the label on one line, the URL without space. */
const MARKDOWN_LINK = /^\[([^[\]]{1,64})\]\([^\s()]{1,2048}\)/;
/**
 * The shape of a date that cannot be read (a month name no locale gives, a
 * misspelling): a few words, no brackets, @ or dashes, holding a day (one or two
 * digits) and ending in a four-digit year, with an optional closing character.
 */
const UNREAD_DATE =
  /^(?=(?:\S+ ){0,4}\S+$)(?=.*(?<!\d)\d{1,2}(?!\d))[^\s()[\]<>{}@—–-][^()[\]<>{}@—–]*(?<!\d)\d{4}[日.]?$/u;
/** Space on the same line, then `[`: where a markdown date link may start. */
const MARKDOWN_LINK_START = /^[^\S\n\r\u2028\u2029]*\[/u;
const LEADING_SPACE_ON_LINE = /^[^\S\n\r\u2028\u2029]*/u;
const YEAR_END = /(?<!\d)\d{4}(?!\d)[日.]?/g;
/** A digit of any script a date is printed in (DIGIT_RUN's). */
const ANY_DIGIT = new RegExp(DIGIT_RUN.source);

/**
 * Reads the printed date that `after` starts with (after optional space): a
 * markdown link whose label is the date (`[August 21, 2022](https://x.com/…)`),
 * else on its first line and within MAX_DATE_SPAN the shortest run of text ending
 * in digits (or a date closer) that reads as a date. A date no locale can read is
 * kept as printed, without `date`, where it has the shape of one (UNREAD_DATE): a
 * residue is never lost for its date.
 */
export function readPrintedDate(after: string, options: { lineBreaks: string }): PrintedDate | undefined {
  const dateStart = LEADING_SPACE_ON_LINE.exec(after)?.[0].length ?? 0;
  const link = after.charAt(dateStart) === '[' ? MARKDOWN_LINK.exec(after.slice(dateStart)) : null;
  if (
    link?.[1] !== undefined &&
    ANY_DIGIT.test(link[1]) &&
    ![...options.lineBreaks].some((lineBreak) => link[1]?.includes(lineBreak))
  ) {
    const dateText = collapseWhitespace(link[1]);
    const date = parsePrintedDate(dateText);
    return { dateText, ...(date === undefined ? {} : { date }), end: dateStart + link[0].length };
  }
  let window = after.slice(0, MAX_DATE_SPAN);
  for (let index = 0; index < window.length; index++) {
    if (options.lineBreaks.includes(window.charAt(index))) {
      window = window.slice(0, index);
      break;
    }
  }
  if (!ANY_DIGIT.test(window)) return undefined; // most text after a handle: no date at all
  const digitRuns = new RegExp(DIGIT_RUN);
  for (let run = digitRuns.exec(window); run !== null; run = digitRuns.exec(window)) {
    const runEnd = run.index + run[0].length;
    const candidateEnds = DATE_CLOSERS.includes(window.charAt(runEnd)) ? [runEnd, runEnd + 1] : [runEnd];
    for (const candidateEnd of candidateEnds) {
      const printed = window.slice(dateStart, candidateEnd);
      const date = parsePrintedDate(printed);
      if (date !== undefined) return { dateText: collapseWhitespace(printed), date, end: candidateEnd };
    }
  }
  return readUnreadableDate(window, dateStart);
}

/** Whether `after` (the text after a trailer's handle) starts with what may be a markdown date link. */
export function startsWithMarkdownLink(after: string): boolean {
  return MARKDOWN_LINK_START.test(after);
}

/** The shortest stretch of `window` from `dateStart` to a year that has the shape of a date. */
function readUnreadableDate(window: string, dateStart: number): PrintedDate | undefined {
  const years = new RegExp(YEAR_END);
  for (let year = years.exec(window); year !== null; year = years.exec(window)) {
    const end = year.index + year[0].length;
    const dateText = collapseWhitespace(window.slice(dateStart, end));
    if (UNREAD_DATE.test(dateText)) return { dateText, end };
  }
  return undefined;
}

/**
 * `text` with up to `count` line breaks before a quoted line (`\n> `) and their
 * quote markers turned into spaces, the first ones (`from: 'start'`, in the text
 * after a trailer's handle) or the last ones (`from: 'end'`, in the text before
 * it). Markdown sources wrap a quoted trailer (`> — Name (Org)\n> (@handle)
 * [August 21,\n> 2022](url)`); the length is kept, so positions in the result are
 * positions in `text`.
 */
export function joinQuotedLines(text: string, options: { from: 'start' | 'end'; count: number }): string {
  if (!text.includes('>')) return text;
  const breaks = [...text.matchAll(QUOTED_LINE_BREAK)];
  const joined = options.from === 'start' ? breaks.slice(0, options.count) : breaks.slice(-options.count);
  let result = text;
  for (const match of joined)
    result = result.slice(0, match.index) + ' '.repeat(match[0].length) + result.slice(match.index + match[0].length);
  return result;
}

/** A line break, then a markdown quote marker (`>`, nested `> >`) and a line that is not blank (or the end of the text read). */
const QUOTED_LINE_BREAK = /(?:\r?\n|\u2028)[ \t]*(?:>[ \t]?)+(?=[^\s>]|$)/g;

/** What the trailer of an embed's markup says about its post. */
export interface EmbedTrailer {
  authorName?: string;
  handle?: string;
  dateText?: string;
  date?: string;
  /** The text before the trailer, for an embed that has no <p>. */
  textBefore?: string;
}

/**
 * Reads the trailer from the text of an embed outside its first <p>: the last
 * `(@handle)`, the name back to the dash (or to the start where the dash is
 * missing), and the date after it, which is kept as printed even where it cannot
 * be read.
 */
export function parseEmbedTrailer(text: string): EmbedTrailer {
  let last: { index: number; handle: string; length: number } | undefined;
  for (let index = text.indexOf('(@'); index >= 0; index = text.indexOf('(@', index + 2)) {
    const found = readHandleInParentheses(text.slice(index, index + HANDLE_SPAN));
    if (found !== undefined) last = { index, ...found };
  }
  if (last === undefined) {
    const textBefore = printedText(text);
    return textBefore === '' ? {} : { textBefore };
  }
  const trailer: EmbedTrailer = { handle: last.handle };
  const nameStart = Math.max(0, last.index - MAX_ATTRIBUTION_SPAN);
  const dash = findAttributionDash(text.slice(nameStart, last.index), { lineBreaks: '' });
  const authorName = dash?.authorName ?? printedText(text.slice(nameStart, last.index));
  if (authorName !== '') trailer.authorName = authorName;
  if (dash !== undefined) {
    const textBefore = printedText(text.slice(0, nameStart + dash.start));
    if (textBefore !== '') trailer.textBefore = textBefore;
  }
  const dateText = collapseWhitespace(text.slice(last.index + last.length));
  if (dateText !== '' && dateText.length <= MAX_EMBED_DATE_TEXT) {
    trailer.dateText = dateText;
    const date = parsePrintedDate(dateText);
    if (date !== undefined) trailer.date = date;
  }
  return trailer;
}
