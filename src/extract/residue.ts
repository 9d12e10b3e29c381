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

const LINE_BREAKS = /\r\n|[\n\r\u2028\u2029]/g;
/** A line that starts with a markdown quote marker. */
const QUOTED_LINE = /^[ \t]*>/;
/** The quote markers (`>`, nested `> >`) at the start of a line, and the space before them. */
const LEADING_QUOTE_MARKERS = /^[ \t]*(?:>[ \t]?)+/;
/**
 * A heading line, never a post's text: a number alone (`3.`, `3)`, `(3)`, `#2`,
 * `# 2`), as lists of embeds print between back-to-back posts, or a markdown
 * heading (`## Title`: `#` and a space, where a hashtag has no space).
 */
const HEADING_LINE = /^(?:#{0,6}\s*\d{1,3}[.):]?|\(\d{1,3}\)|#{1,6}\s.*)$/u;
/** A list item's marker (`1. `, `2) `, `- `, `* `): the item is where a passage starts, and the marker is not its text. */
const LIST_ITEM_MARKER = /^(?:[-*+•]|\d{1,3}[.)])\s+(?=\S)/u;
/**
 * The most a post can print: 280 characters (X's limit; a link counts as
 * LINK_LENGTH whatever its length, as X counts it). Longer posts (of paid
 * accounts) keep only their end in a passage, as a post of several paragraphs does.
 */
export const MAX_POST_LENGTH = 280;
const LINK_LENGTH = 23;
const LINK = /(?:https?:\/\/|\b(?:t\.co|pic\.twitter\.com|pic\.x\.com)\/)\S+/gu;
/** Where a sentence may start inside a line: after its end mark, closing quotes and space. */
const SENTENCE_STARTS = /[.!?…。！？؟]["'’”»)]*\s+(?=\S)/gu;
const WORD_STARTS = /\s+(?=\S)/gu;
/** A line longer than this is only read at its end: the most a post can print, in UTF-16 units, with room for links. */
const LONG_LINE_TAIL = 4 * MAX_POST_LENGTH;

interface Line {
  /** Where its text starts in the passage read (after space and quote markers), and ends. */
  start: number;
  end: number;
  /** Its text, quote markers dropped. */
  text: string;
}

/**
 * The passage in [from, to): where its first character is (`to` where it has no
 * text), and its text. The passage is the post's, not the article's, so it is
 * bounded three ways. Where the trailer's line is quoted (markdown `> `), it is the
 * run of quoted lines that ends with it, never the prose above the quote, and the
 * markers are not its text. Lines are taken back from the trailer, whole, while
 * the passage stays within the length a post can print (MAX_POST_LENGTH), and
 * never past a heading line (HEADING_LINE). The trailer's own line, where it alone
 * is longer than a post can be (prose and residue written as one line), is cut to
 * the sentences at its end that fit, else to the words that fit.
 */
function readPassage(text: TextSlices, from: number, to: number): { start: number; text: string } {
  const lines = linesOf(text.slice(from, to));
  const taken: Line[] = [];
  let length = 0;
  let quoted: boolean | undefined;
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index];
    if (line === undefined) break;
    if (line.text === '') continue;
    // Quoted lines and prose are never one passage: a quote's residue never takes the prose above it.
    quoted ??= line.quoted;
    if (line.quoted !== quoted || HEADING_LINE.test(line.text)) break;
    const lineLength = postLength(line.text);
    if (taken.length === 0 && lineLength > MAX_POST_LENGTH) {
      const tail = tailThatFits(line);
      if (tail.text !== '') taken.push(tail);
      break;
    }
    if (length + lineLength > MAX_POST_LENGTH) break;
    length += lineLength + 1;
    taken.push(line);
    if (line.listItem) break;
  }
  const first = taken.at(-1);
  if (first === undefined) return { start: to, text: '' };
  return {
    start: from + first.start,
    text: printedText(
      taken
        .reverse()
        .map((line) => line.text)
        .join(' '),
    ),
  };
}

/** The lines of `raw`, each with its text trimmed and its quote markers dropped. */
function linesOf(raw: string): (Line & { quoted: boolean; listItem: boolean })[] {
  const lines: (Line & { quoted: boolean; listItem: boolean })[] = [];
  const breaks = new RegExp(LINE_BREAKS);
  for (let lineStart = 0; lineStart <= raw.length;) {
    const lineBreak = breaks.exec(raw);
    const lineEnd = lineBreak === null ? raw.length : lineBreak.index;
    const line = raw.slice(lineStart, lineEnd);
    const quoted = line.includes('>') && QUOTED_LINE.test(line);
    const markers = quoted ? (LEADING_QUOTE_MARKERS.exec(line)?.[0].length ?? 0) : 0;
    const content = line.slice(markers);
    const leadingSpace = content.length - content.trimStart().length;
    const trimmed = content.trim();
    const itemMarker = LIST_ITEM_MARKER.exec(trimmed)?.[0].length ?? 0;
    lines.push({
      start: lineStart + markers + leadingSpace + itemMarker,
      end: lineEnd,
      text: trimmed.slice(itemMarker),
      quoted,
      listItem: itemMarker > 0,
    });
    if (lineBreak === null) break;
    lineStart = lineBreak.index + lineBreak[0].length;
  }
  return lines;
}

/** A post's length as X counts it: characters (code points), each link as LINK_LENGTH. */
function postLength(text: string): number {
  let length = 0;
  let linkless = text;
  if (text.includes('/')) {
    linkless = text.replace(LINK, () => {
      length += LINK_LENGTH;
      return '';
    });
  }
  for (const _codePoint of linkless) length++;
  return length;
}

/** The end of a line too long for a post: from the first sentence start (else word start) after which it fits. */
function tailThatFits(line: Line): Line {
  const tailStart = Math.max(0, line.text.length - LONG_LINE_TAIL);
  const tail = line.text.slice(tailStart);
  for (const starts of [SENTENCE_STARTS, WORD_STARTS]) {
    for (const match of tail.matchAll(new RegExp(starts))) {
      const cut = match.index + match[0].length;
      if (postLength(tail.slice(cut)) <= MAX_POST_LENGTH)
        return { start: line.start + tailStart + cut, end: line.end, text: tail.slice(cut) };
    }
  }
  return { ...line, text: '' };
}
