// The article as a person reads it, with each citation's occurrences marked: what
// the document page shows below the citations. Pure: the text in, pieces out; the
// template escapes every piece.

import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import type { Citation, DocumentRecord } from '../model/index.js';

/** A stretch of the article's text, marked when it belongs to an occurrence of a citation. */
export interface ArticlePiece {
  text: string;
  mark?: {
    /** Index of the citation in the record. */
    citation: number;
    /** Index of the occurrence in the citation's occurrences. */
    occurrence: number;
    /** The occurrence's first piece: it carries the anchor a citation links to. */
    first: boolean;
  };
}

/** Text of an element that never reaches a reader. */
const HIDDEN = new Set(['script', 'style', 'noscript', 'template', 'head', 'title', 'svg', 'math', 'iframe']);
/** Elements that start a paragraph of their own. */
const BLOCKS = new Set(
  'address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tr ul amp-twitter'.split(
    ' ',
  ),
);

interface Interval {
  start: number;
  end: number;
  citation: number;
  occurrence: number;
}

type Chunk =
  | { kind: 'text'; start: number; end: number }
  | { kind: 'break'; at: number; lines: 1 | 2 }
  | { kind: 'placeholder'; at: number; interval: Interval; text: string };

interface ElementSpan {
  /** Index of its `<`. */
  start: number;
  /** Index just past its opening tag's `>`. */
  openEnd: number;
  /** Index just past its closing tag (or its opening tag, for a void element). */
  end: number;
}

/**
 * Splits the article's text into pieces, each occurrence of each citation marked.
 * Offsets are the record's: UTF-16 indexes into the decoded source, which for HTML is
 * the markup. There an occurrence that starts inside a tag (a link's href, an embed's
 * `<blockquote>`) marks that element's text; one in the text marks its own `raw`.
 * HTML is turned into paragraphs of plain text; markup is never passed through.
 */
export function markArticle(record: Pick<DocumentRecord, 'citations' | 'source'>, text: string): ArticlePiece[] {
  const isHtml = record.source.mediaType === 'text/html';
  const { chunks, elements } = isHtml
    ? chunksOfHtml(text)
    : { chunks: [{ kind: 'text', start: 0, end: text.length } as Chunk], elements: [] };
  const intervals = intervalsOf(record.citations, elements, text.length);
  addPlaceholders(chunks, intervals, text, record.citations);

  const pieces: ArticlePiece[] = [];
  const started = new Set<Interval>();
  const push = (pieceText: string, interval: Interval | undefined): void => {
    if (pieceText === '') return;
    const piece: ArticlePiece = { text: pieceText };
    if (interval) {
      piece.mark = { citation: interval.citation, occurrence: interval.occurrence, first: !started.has(interval) };
      started.add(interval);
    }
    pieces.push(piece);
  };
  for (const chunk of chunks) {
    if (chunk.kind === 'break') push(chunk.lines === 2 ? '\n\n' : '\n', undefined);
    else if (chunk.kind === 'placeholder') push(chunk.text, chunk.interval);
    else {
      const inside = intervals.filter((interval) => interval.start < chunk.end && interval.end > chunk.start);
      const cuts = new Set<number>([chunk.start, chunk.end]);
      for (const interval of inside) {
        if (interval.start > chunk.start) cuts.add(interval.start);
        if (interval.end < chunk.end) cuts.add(interval.end);
      }
      const sorted = [...cuts].sort((a, b) => a - b);
      for (let index = 0; index + 1 < sorted.length; index++) {
        const from = sorted[index] ?? 0;
        const to = sorted[index + 1] ?? 0;
        const raw = text.slice(from, to);
        push(isHtml ? decodeHTML(raw).replace(/\s+/g, ' ') : raw, innermost(inside, from, to));
      }
    }
  }
  return isHtml ? tidyWhitespace(pieces) : pieces;
}

/** The shortest interval covering [from, to): the most specific occurrence. */
function innermost(intervals: Interval[], from: number, to: number): Interval | undefined {
  let best: Interval | undefined;
  for (const interval of intervals) {
    if (
      interval.start <= from &&
      interval.end >= to &&
      (!best || interval.end - interval.start < best.end - best.start)
    )
      best = interval;
  }
  return best;
}

function intervalsOf(citations: readonly Citation[], elements: ElementSpan[], length: number): Interval[] {
  const intervals: Interval[] = [];
  for (const [citation, { occurrences }] of citations.entries()) {
    for (const [occurrence, { offset, raw }] of occurrences.entries()) {
      const element = elements.find((span) => span.start <= offset && offset < span.openEnd);
      const start = element ? element.start : offset;
      const end = Math.min(length, element ? element.end : offset + raw.length);
      if (start < end) intervals.push({ start, end, citation, occurrence });
    }
  }
  return intervals;
}

/** An occurrence with no visible text (an `<amp-twitter>` with no fallback, a link around an image) still gets a mark. */
function addPlaceholders(chunks: Chunk[], intervals: Interval[], text: string, citations: readonly Citation[]): void {
  for (const interval of intervals) {
    const visible = chunks.some(
      (chunk) =>
        chunk.kind === 'text' &&
        chunk.start < interval.end &&
        chunk.end > interval.start &&
        /\S/.test(text.slice(Math.max(chunk.start, interval.start), Math.min(chunk.end, interval.end))),
    );
    if (visible) continue;
    const form = citations[interval.citation]?.occurrences[interval.occurrence]?.form;
    const placeholder: Chunk = {
      kind: 'placeholder',
      at: interval.start,
      interval,
      text: form === 'embed' ? '[embedded post]' : '[link]',
    };
    const before = chunks.findIndex((chunk) => (chunk.kind === 'text' ? chunk.start : chunk.at) > interval.start);
    chunks.splice(before === -1 ? chunks.length : before, 0, placeholder);
  }
}

/**
 * The visible text runs of HTML, with paragraph breaks, and every element's extent.
 * Entities are left as written here (and decoded piece by piece) so that each run's
 * indexes are the markup's own.
 */
function chunksOfHtml(html: string): { chunks: Chunk[]; elements: ElementSpan[] } {
  const chunks: Chunk[] = [];
  const elements: ElementSpan[] = [];
  const open: { name: string; span: ElementSpan }[] = [];
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        const span = { start: parser.startIndex, openEnd: parser.endIndex + 1, end: parser.endIndex + 1 };
        open.push({ name, span });
        elements.push(span);
        if (HIDDEN.has(name)) hidden++;
        if (BLOCKS.has(name)) chunks.push({ kind: 'break', at: span.start, lines: 2 });
        if (name === 'br') chunks.push({ kind: 'break', at: span.start, lines: 1 });
      },
      onclosetag(name) {
        const element = open.pop();
        if (element) element.span.end = Math.max(element.span.openEnd, parser.endIndex + 1);
        if (HIDDEN.has(name)) hidden = Math.max(0, hidden - 1);
        if (BLOCKS.has(name)) chunks.push({ kind: 'break', at: parser.endIndex + 1, lines: 2 });
      },
      ontext() {
        if (hidden === 0) chunks.push({ kind: 'text', start: parser.startIndex, end: parser.endIndex + 1 });
      },
    },
    { decodeEntities: false, lowerCaseTags: true },
  );
  parser.end(html);
  return { chunks, elements };
}

/** HTML's own whitespace rules, roughly: no space at a line's start or end, breaks not stacked past a blank line. */
function tidyWhitespace(pieces: ArticlePiece[]): ArticlePiece[] {
  const tidy: ArticlePiece[] = [];
  let atLineStart = true;
  let pendingBreak = '';
  for (const piece of pieces) {
    if (!piece.mark && /^\n+$/.test(piece.text)) {
      if (!atLineStart || pendingBreak !== '')
        pendingBreak = pendingBreak.length >= piece.text.length ? pendingBreak : piece.text;
      atLineStart = true;
      continue;
    }
    let text = piece.text;
    if (atLineStart) text = text.replace(/^ +/, '');
    if (text === '') continue;
    if (pendingBreak !== '' && tidy.length > 0) {
      const last = tidy[tidy.length - 1];
      if (last && !last.mark) last.text = last.text.replace(/ +$/, '');
      tidy.push({ text: pendingBreak });
    }
    pendingBreak = '';
    tidy.push({ ...piece, text });
    atLineStart = false;
  }
  return tidy;
}
