// The plain text of a document (tags stripped, entities decoded), read by
// position. For HTML it is kept as the parser's text events, each mapped to its
// place in the markup, and never joined into one string: the readers only ever
// look at short stretches of it (around a link, a trailer, an occurrence).

/** Marks a block element boundary in the plain text of HTML: a paragraph break. */
export const BLOCK_BREAK = '\u2029';
/** Marks a <br>: a line break inside a paragraph. */
export const LINE_BREAK = '\u2028';

/** Read access to a plain text by position: a string is one, and so is a PlainTextBuilder. */
export interface TextSlices {
  readonly length: number;
  /** The text in [start, end), clamped to the text like String.prototype.slice with non-negative bounds. */
  slice(start: number, end: number): string;
}

const CONTEXT_RADIUS = 100;

/** Up to ~200 characters of the plain text around `position`, whitespace collapsed. */
export function contextAround(text: TextSlices, position: number): string {
  const start = Math.max(0, position - CONTEXT_RADIUS);
  let window = text.slice(start, position + CONTEXT_RADIUS);
  // Never keep half a surrogate pair at either edge.
  if (isLowSurrogate(window.charCodeAt(0))) window = window.slice(1);
  if (isHighSurrogate(window.charCodeAt(window.length - 1))) window = window.slice(0, -1);
  return collapseWhitespace(window);
}

/** Every position of `needle` in `text`, ascending. */
export function* positionsOf(text: string, needle: string): Generator<number> {
  for (let index = text.indexOf(needle); index >= 0; index = text.indexOf(needle, index + needle.length)) yield index;
}

/**
 * `text` trimmed, each run of white space (as \s) one space. A loop rather than
 * `trim().replace(/\s+/g, ' ')`: every occurrence's context goes through it, and
 * the regex is a third slower on the two-byte text of most articles.
 */
export function collapseWhitespace(text: string): string {
  let collapsed = '';
  let index = 0;
  while (index < text.length && isWhiteSpace(text.charCodeAt(index))) index++;
  let copiedTo = index;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    // A single space between two words stays as it is.
    const loneSpace = code === 0x20 && index + 1 < text.length && !isWhiteSpace(text.charCodeAt(index + 1));
    if (loneSpace || !isWhiteSpace(code)) {
      index++;
      continue;
    }
    const runStart = index;
    while (index < text.length && isWhiteSpace(text.charCodeAt(index))) index++;
    collapsed += text.slice(copiedTo, runStart);
    if (index < text.length) collapsed += ' ';
    copiedTo = index;
  }
  return collapsed + text.slice(copiedTo);
}

function isWhiteSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return code >= 0xa0 && WHITE_SPACE_BEYOND_ASCII.has(code);
}

const PERCENT_U_ESCAPE = /%u([0-9a-fA-F]{4})/g;

/** What an article printed of a post (its text, its author's name) as it reads: escapes decoded, whitespace collapsed. */
export function printedText(text: string): string {
  return collapseWhitespace(decodePercentUEscapes(text));
}

/**
 * `text` with JavaScript `escape()` sequences of characters past Latin-1 decoded
 * (`%u2014` is `—`, `%u201C` is `“`): some CMSs store what a post printed so. Only
 * the `%uXXXX` form is read; `%XX` is a URL's and stays as written.
 */
export function decodePercentUEscapes(text: string): string {
  if (!text.includes('%u')) return text;
  return text.replace(PERCENT_U_ESCAPE, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Whether `text` is all white space (as \s): looked at for every text after a break, so a loop that stops at the first word, not a regex. */
function isBlank(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0x20 && code < 0x7f) return false;
    if (code > 0x20 && !WHITE_SPACE_BEYOND_ASCII.has(code)) return false;
  }
  return true;
}

/** The characters of \s above U+0020. */
const WHITE_SPACE_BEYOND_ASCII = new Set([
  0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029,
  0x202f, 0x205f, 0x3000, 0xfeff,
]);

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Plain text and markup positions of one piece of the plain text. */
interface Piece {
  plainStart: number;
  markupStart: number;
  markupEnd: number;
  text: string;
}

/**
 * Builds the plain text of HTML from the parser's text events. Each piece is
 * mapped to its markup range: text copied as it is maps character for character;
 * a decoded entity, or a break standing for a tag, maps as a whole.
 */
export class PlainTextBuilder implements TextSlices {
  private readonly pieces: Piece[] = [];
  /** Where each paragraph after the first starts: just after a block break. */
  private readonly paragraphStarts: number[] = [];
  private endsWithBreak = true;
  /** The last break added: a second <br> after it makes it a paragraph break. */
  private lastBreak: Piece | undefined;
  length = 0;

  /** Adds `text`, which the parser read from markup[markupStart, markupEnd). */
  append(text: string, markupStart: number, markupEnd: number): void {
    if (text === '') return;
    this.pieces.push({ plainStart: this.length, markupStart, markupEnd, text });
    this.length += text.length;
    // Space between two blocks (`</p>\n<p>`) makes no paragraph of its own: the
    // paragraph before a trailer alone in its <p> is the one with words in it.
    if (this.endsWithBreak && isBlank(text)) return;
    this.endsWithBreak = false;
  }

  /**
   * Adds a break standing for the tag at `markupPosition`. A run of breaks counts
   * as one, a paragraph break where any of them is one (`<br></p>`) or where two
   * line breaks meet (`<br><br>`, the blank line of a text kept in HTML).
   */
  addBreak(marker: typeof BLOCK_BREAK | typeof LINE_BREAK, markupPosition: number): void {
    if (this.endsWithBreak) {
      const last = this.lastBreak;
      if (last?.text === LINE_BREAK) {
        last.text = BLOCK_BREAK;
        this.paragraphStarts.push(last.plainStart + 1);
      }
      return;
    }
    this.lastBreak = { plainStart: this.length, markupStart: markupPosition, markupEnd: markupPosition, text: marker };
    this.pieces.push(this.lastBreak);
    this.length += 1;
    this.endsWithBreak = true;
    if (marker === BLOCK_BREAK) this.paragraphStarts.push(this.length);
  }

  slice(start: number, end: number): string {
    const to = Math.min(end, this.length);
    let text = '';
    for (let index = Math.max(0, this.pieceAt(start)); index < this.pieces.length; index++) {
      const piece = this.pieces[index];
      if (piece === undefined || piece.plainStart >= to) break;
      text += piece.text.slice(Math.max(0, start - piece.plainStart), to - piece.plainStart);
    }
    return text;
  }

  /** The start of the paragraph holding `position`, and of the one before it (0 where there is none). */
  paragraphAround(position: number): { start: number; previousStart: number } {
    const index = lastIndexAtOrBefore(this.paragraphStarts, position, (start) => start);
    return { start: this.paragraphStarts[index] ?? 0, previousStart: this.paragraphStarts[index - 1] ?? 0 };
  }

  /** The markup offset where the plain character at `plainStart` was written. */
  markupStart(plainStart: number): number {
    const piece = this.pieces[this.pieceAt(plainStart)];
    if (piece === undefined) return 0;
    return isCopied(piece) ? piece.markupStart + (plainStart - piece.plainStart) : piece.markupStart;
  }

  /** The markup offset just after the plain character at `plainEnd - 1`. */
  markupEnd(plainEnd: number): number {
    const piece = this.pieces[this.pieceAt(plainEnd - 1)];
    if (piece === undefined) return 0;
    return isCopied(piece) ? piece.markupStart + (plainEnd - piece.plainStart) : piece.markupEnd;
  }

  /** The plain position of the character at `markupOffset`, where it was copied into the plain text as it is. */
  plainPositionOf(markupOffset: number): number | undefined {
    const piece = this.pieces[lastIndexAtOrBefore(this.pieces, markupOffset, (candidate) => candidate.markupStart)];
    if (piece === undefined || !isCopied(piece) || markupOffset >= piece.markupEnd) return undefined;
    return piece.plainStart + (markupOffset - piece.markupStart);
  }

  private pieceAt(plainIndex: number): number {
    return lastIndexAtOrBefore(this.pieces, plainIndex, (piece) => piece.plainStart);
  }
}

/**
 * Whether a piece's text was copied from the markup as it is. The parser hands out
 * text either sliced from the markup or decoded from an entity, which is always
 * shorter than the entity as written; a break has no markup at all.
 */
function isCopied(piece: Piece): boolean {
  return piece.text.length === piece.markupEnd - piece.markupStart;
}

/** Binary search: the last index whose key is at or before `position` in a list sorted by key, or -1. */
function lastIndexAtOrBefore<T>(items: readonly T[], position: number, key: (item: T) => number): number {
  let low = 0;
  let high = items.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const item = items[middle];
    if (item !== undefined && key(item) <= position) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}
