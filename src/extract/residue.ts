// Embed residue: what an embedded post leaves when its article is stored as text,
// a passage ending `— Name (@handle) <printed date>`.
import { collapseWhitespace, type TextSlices } from './plain-text.js';
import {
  HANDLE_SPAN,
  MAX_ATTRIBUTION_SPAN,
  MAX_DATE_SPAN,
  findAttributionDash,
  readHandleInParentheses,
  readPrintedDate,
} from './trailer.js';

export interface Residue {
  /** Where the passage starts: its first non-space character. */
  start: number;
  /** Where the printed date ends. */
  end: number;
  authorName: string;
  handle: string;
  dateText: string;
  /** YYYY-MM-DD. */
  date: string;
  /** The passage before the dash, whitespace collapsed; '' where the post had no text. */
  text: string;
}

export interface ResidueScanOptions {
  /** Ascending positions of `(@` in the text: where a trailer may be. */
  handleCandidates: Iterable<number>;
  /** Where the paragraph holding a position starts, and the one before it; positions asked never go back. */
  paragraphAround: (position: number) => { start: number; previousStart: number };
  /** Characters that end a line; a trailer's name and date never cross one. */
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
    const dash = findAttributionDash(text.slice(nameStart, candidate), { lineBreaks });
    if (dash === undefined) continue;
    const dashStart = nameStart + dash.start;
    const printed = readPrintedDate(text.slice(handleEnd, handleEnd + MAX_DATE_SPAN), { lineBreaks });
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
      end: consumedTo,
      authorName: dash.authorName,
      handle: found.handle,
      dateText: printed.dateText,
      date: printed.date,
      text: passage.text,
    });
  }
  return residues;
}

/** The passage in [from, to): where its first non-space character is (`to` where there is none), and its text. */
function readPassage(text: TextSlices, from: number, to: number): { start: number; text: string } {
  const raw = text.slice(from, to);
  const leadingSpace = raw.length - raw.trimStart().length;
  return { start: from + leadingSpace, text: collapseWhitespace(raw) };
}
