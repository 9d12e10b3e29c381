import { assembleCitations, type FoundOccurrence } from './citations.js';
import { hostSuffixPositions } from './link-scan.js';
import { positionsOf } from './plain-text.js';
import { findPlainTextCitations } from './plain-text-citations.js';
import type { ExtractedDocument } from './types.js';

/** A blank line (spaces allowed on it), or a Unicode paragraph separator. */
const BLANK_LINE = /\n[^\S\n]*\n|\u2029/g;
/** Any line break: the paragraph break of a text that has no blank line. */
const ANY_LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;
const TEXT_LINE_BREAKS = '\n\r\u2028\u2029';

/** Finds the citations of a plain-text document; offsets are indexes into `text`. */
export function extractFromText(text: string): ExtractedDocument {
  const found: FoundOccurrence[] = [];
  const paragraphs = new ParagraphStarts(text);
  findPlainTextCitations(text, found, {
    sourceSpan: (start, end) => ({ offset: start, raw: text.slice(start, end) }),
    hostSuffixes: hostSuffixPositions(text),
    handleCandidates: positionsOf(text, '(@'),
    paragraphAround: (position) => paragraphs.around(position),
    lineBreaks: TEXT_LINE_BREAKS,
  });
  return { citations: assembleCitations(found, text) };
}

/** Walks the blank lines of a text forward, once, as the residue scan advances. */
class ParagraphStarts {
  /**
   * A text that separates its paragraphs by blank lines keeps a post's own line
   * breaks inside one; a text stored without any blank line has one paragraph a
   * line, and a line break there is where a residue's passage stops.
   */
  private readonly breaks: RegExp;
  private upcoming: RegExpExecArray | null;
  private currentStart = 0;
  private previousStart = 0;

  constructor(private readonly text: string) {
    this.breaks = new RegExp(new RegExp(BLANK_LINE).test(text) ? BLANK_LINE : ANY_LINE_BREAK);
    this.upcoming = this.breaks.exec(text);
  }

  /** The start of the paragraph holding `position` and of the one before it; positions must not go back. */
  around(position: number): { start: number; previousStart: number } {
    while (this.upcoming !== null && this.upcoming.index + this.upcoming[0].length <= position) {
      this.previousStart = this.currentStart;
      this.currentStart = this.upcoming.index + this.upcoming[0].length;
      this.upcoming = this.breaks.exec(this.text);
    }
    return { start: this.currentStart, previousStart: this.previousStart };
  }
}
