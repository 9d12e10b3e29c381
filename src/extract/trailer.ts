// The attribution trailer an embedded post prints under its text,
// `— Name (@handle) Date`, read from plain text. Every reader here looks at a
// bounded window, so hostile text cannot make it backtrack or rescan.
import { collapseWhitespace } from './plain-text.js';
import { parsePrintedDate } from './printed-date.js';

/** `(@handle)`: where every trailer is anchored. Handles are 1-15 word characters. */
const HANDLE_IN_PARENTHESES = /^\(@(\w{1,15})\)/;
/** The longest `(@handle)`. */
export const HANDLE_SPAN = '(@)'.length + 15;
/** How far before `(@` the dash may be: display names are at most 50 characters, emoji take two. */
export const MAX_ATTRIBUTION_SPAN = 120;
/** How far after `(@handle)` the printed date may end. */
export const MAX_DATE_SPAN = 64;
/** The longest date text kept from an embed's trailer; anything longer is not a date. */
const MAX_EMBED_DATE_TEXT = 64;
const ENTITY_DASH = '&mdash;';
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

/**
 * Finds the dash of `— Name (@` in `before`, the text that ends just before `(@`,
 * never across a line break. The dash may be an em dash or `&mdash;` (written
 * tight or spaced), or an en dash or hyphen with space on both sides (so that
 * "Jean-Luc" is not split). The nearest dash wins.
 */
export function findAttributionDash(before: string, options: { lineBreaks: string }): AttributionDash | undefined {
  for (let index = before.length - 1; index >= 0; index--) {
    const char = before.charAt(index);
    if (options.lineBreaks.includes(char)) return undefined;
    let dashLength = 0;
    if (char === '—') dashLength = 1;
    else if (char === ';' && before.startsWith(ENTITY_DASH, index - ENTITY_DASH.length + 1)) {
      index -= ENTITY_DASH.length - 1;
      dashLength = ENTITY_DASH.length;
    } else if ((char === '–' || char === '-') && isSpaceAt(before, index + 1) && (index === 0 || isSpaceAt(before, index - 1))) {
      dashLength = 1;
    }
    if (dashLength === 0) continue;
    const authorName = collapseWhitespace(before.slice(index + dashLength));
    return authorName === '' ? undefined : { start: index, authorName };
  }
  return undefined;
}

function isSpaceAt(text: string, index: number): boolean {
  return /\s/.test(text.charAt(index));
}

export interface PrintedDate {
  /** As printed, with runs of space (&nbsp; included) as one space. */
  dateText: string;
  /** YYYY-MM-DD. */
  date: string;
  /** Where the printed date ends, in the text read. */
  end: number;
}

/**
 * Reads the printed date that `after` starts with (after optional space), on its
 * first line and within MAX_DATE_SPAN: the shortest run of text ending in digits
 * (or a date closer) that reads as a date.
 */
export function readPrintedDate(after: string, options: { lineBreaks: string }): PrintedDate | undefined {
  let window = after.slice(0, MAX_DATE_SPAN);
  for (let index = 0; index < window.length; index++) {
    if (options.lineBreaks.includes(window.charAt(index))) {
      window = window.slice(0, index);
      break;
    }
  }
  const dateStart = window.length - window.trimStart().length;
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
  return undefined;
}

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
    const textBefore = collapseWhitespace(text);
    return textBefore === '' ? {} : { textBefore };
  }
  const trailer: EmbedTrailer = { handle: last.handle };
  const nameStart = Math.max(0, last.index - MAX_ATTRIBUTION_SPAN);
  const dash = findAttributionDash(text.slice(nameStart, last.index), { lineBreaks: '' });
  const authorName = dash?.authorName ?? collapseWhitespace(text.slice(nameStart, last.index));
  if (authorName !== '') trailer.authorName = authorName;
  if (dash !== undefined) {
    const textBefore = collapseWhitespace(text.slice(0, nameStart + dash.start));
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
