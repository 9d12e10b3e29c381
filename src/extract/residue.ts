// Embed residue: what an embedded post leaves when its article is stored as text,
// a passage ending `— Name (@handle) <printed date>`; in markdown sources, a quote
// whose every line starts with `> ` and whose date links to the post.
import { printedText, type TextSlices } from './plain-text.js';
import {
  HANDLE_SPAN,
  MAX_ATTRIBUTION_SPAN,
  MAX_DATE_LINK_SPAN,
  MAX_DATE_SPAN,
  findAttributionDash,
  joinQuotedLines,
  readHandleInParentheses,
  readPrintedDate,
  startsWithMarkdownLink,
} from './trailer.js';

export interface Residue {
  /** Where the passage starts: its first character that is neither space nor a quote marker. */
  start: number;
  /** Where the trailer's dash starts: a post URL from here on is the post's own status link. */
  trailerStart: number;
  /** Where the printed date ends (after the `)` of a markdown date link). */
  end: number;
  authorName: string;
  handle: string;
  dateText: string;
  /** YYYY-MM-DD, where the printed date can be read. */
  date?: string;
  /** The passage before the dash, quote markers dropped and whitespace collapsed; '' where the post had no text. */
  text: string;
}

export interface ResidueScanOptions {
  /** Ascending positions of `(@` in the text: where a trailer may be. */
  handleCandidates: Iterable<number>;
  /** Where the paragraph holding a position starts, and the one before it; positions asked never go back. */
  paragraphAround: (position: number) => { start: number; previousStart: number };
  /** Characters that end a line; a trailer's name and date never cross one, but for a quoted line's wrap. */
  lineBreaks: string;
  /** Where no residue is looked for (inside an embed, which reads its own trailer). Default: nowhere. */
  isExcluded?: (position: number) => boolean;
}

/** Every residue in `text`, in order; the passages do not overlap. */
export function findResidues(text: TextSlices, options: ResidueScanOptions): Residue[] {
  const { lineBreaks, isExcluded } = options;
  const residues: Residue[] = [];
  // The end of the last residue or `(@handle)`: no passage or name reaches back
  // past it, which also keeps every backward look short.
  let consumedTo = 0;
  for (const candidate of options.handleCandidates) {
    if (candidate < consumedTo) continue;
    const found = readHandleInParentheses(text.slice(candidate, candidate + HANDLE_SPAN));
    if (found === undefined) continue;
    const searchFrom = consumedTo;
    const handleEnd = candidate + found.length;
    consumedTo = handleEnd;
    if (isExcluded?.(candidate) === true) continue;
    const nameStart = Math.max(searchFrom, candidate - MAX_ATTRIBUTION_SPAN);
    const dash = findAttributionDash(joinQuotedLines(text.slice(nameStart, candidate), { from: 'end', count: 1 }), {
      lineBreaks,
    });
    if (dash === undefined) continue;
    const dashStart = nameStart + dash.start;
    // The date's own window is short; only a markdown date link is read further, to its `)`.
    const readAfter = (length: number): string =>
      joinQuotedLines(text.slice(handleEnd, handleEnd + length), { from: 'start', count: 2 });
    let after = readAfter(MAX_DATE_SPAN);
    if (startsWithMarkdownLink(after)) after = readAfter(MAX_DATE_LINK_SPAN);
    const printed = readPrintedDate(after, { lineBreaks });
    if (printed === undefined) continue;

    const paragraph = options.paragraphAround(dashStart);
    let passage = readPassage(text, Math.max(paragraph.start, searchFrom), dashStart);
    // A trailer alone in its paragraph ("text\n\n— Name (@handle) Date", or an
    // embed whose blockquote lost its class) belongs to the paragraph before it.
    if (passage.text === '' && isExcluded?.(paragraph.previousStart) !== true) {
      passage = readPassage(text, Math.max(paragraph.previousStart, searchFrom), dashStart);
    }
    consumedTo = handleEnd + printed.end;
    residues.push({
      start: passage.start,
      trailerStart: dashStart,
      end: consumedTo,
      authorName: dash.authorName,
      handle: found.handle,
      dateText: printed.dateText,
      ...(printed.date === undefined ? {} : { date: printed.date }),
      text: passage.text,
    });
  }
  return residues;
}

const LINE_BREAKS = /\r?\n|[\u2028\u2029]/g;
/** A line that starts with a markdown quote marker. */
const QUOTED_LINE = /^[ \t]*>/;
/** The quote markers (`>`, nested `> >`) at the start of each line. */
const QUOTE_MARKERS = /(^|\r?\n|[\u2028\u2029])[ \t]*(?:>[ \t]?)+/g;
/** What a quoted passage starts with before its first word: space and markers. */
const SPACE_AND_MARKERS = /^[\s>]*/;

/**
 * The passage in [from, to): where its first non-space character is (`to` where
 * there is none), and its text. Where the trailer's line is quoted (markdown
 * `> `), the passage is the run of quoted lines that ends with it, never the prose
 * above the quote; it starts after the first marker, and the markers are not its text.
 */
function readPassage(text: TextSlices, from: number, to: number): { start: number; text: string } {
  const raw = text.slice(from, to);
  if (!raw.includes('>')) return { start: from + (raw.length - raw.trimStart().length), text: printedText(raw) };
  const lineStarts = [0, ...[...raw.matchAll(LINE_BREAKS)].map((match) => match.index + match[0].length)];
  let first = lineStarts.length - 1;
  const lineAt = (index: number): string => raw.slice(lineStarts[index] ?? 0, lineStarts[index + 1] ?? raw.length);
  if (!QUOTED_LINE.test(lineAt(first))) {
    const leadingSpace = raw.length - raw.trimStart().length;
    return { start: from + leadingSpace, text: printedText(raw) };
  }
  while (first > 0 && QUOTED_LINE.test(lineAt(first - 1))) first--;
  const quoted = raw.slice(lineStarts[first] ?? 0);
  const passageText = printedText(quoted.replace(QUOTE_MARKERS, '$1'));
  if (passageText === '') return { start: to, text: '' };
  return { start: to - quoted.length + (SPACE_AND_MARKERS.exec(quoted)?.[0].length ?? 0), text: passageText };
}
