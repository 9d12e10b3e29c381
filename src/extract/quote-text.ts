// Comparing a post's text as an article printed it with the text the post has
// (contract sections 6a and 6b). Pure: both the residue lookup, which picks a post
// by its text, and the quote check, which says how faithfully it was quoted, use it.

/** What a quote check says of the printed text against the captured one (contract 6b). */
export type QuoteVerdict = 'verbatim' | 'close' | 'differs';

/** At or above this, two texts are `close` (6b), and a candidate may be taken by its text (6a). */
export const CLOSE_SIMILARITY = 0.85;

/**
 * The shorter text must have at least this many characters (normalised) before it is
 * compared with the longer one cut to its length: a few words that open many posts
 * say little about which one was quoted.
 */
const MIN_CUT_SHORT_CHARS = 24;

const SINGLE_QUOTES = /[‘’‚‛′‹›`´]/g;
const DOUBLE_QUOTES = /[“”„‟″«»〝〞＂]/g;
const DASHES = /[‐‑‒–—―−﹘﹣－]/g;
// A t.co link, or a media link in its display form (pic.twitter.com, and pic.x.com since
// 2026), with or without a scheme; a residue prints the display form, the post's own text
// the t.co form, and neither is part of what the author wrote.
const POST_LINKS = /(?:https?:\/\/)?(?:t\.co|pic\.twitter\.com|pic\.x\.com)\/\w+/gi;
// NFKC has already spelt an ellipsis character as three dots.
const TRAILING_ELLIPSIS = /\.{3,}\s*$/;

/**
 * The form in which two texts of one post are compared: Unicode NFKC, case folded,
 * quotes and dashes unified, t.co and pic links and a trailing ellipsis removed,
 * whitespace collapsed. Syndication escapes `&`, `<` and `>` as HTML does, so those
 * three entities are decoded first. Spaces next to a quote are dropped, since French
 * typography puts them inside guillemets and an article may set `« text »` where
 * the post had `"text"`.
 */
export function normalizePostText(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .normalize('NFKC')
    .toLowerCase()
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(DASHES, '-')
    .replace(POST_LINKS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(TRAILING_ELLIPSIS, '')
    .replace(/\s*"\s*/g, '"')
    .trim();
}

/**
 * How alike a printed text is to a captured one, from 0 to 1, after normalisation
 * (the captured one also taken from each of its line breaks on): the Sørensen–Dice
 * coefficient of their character trigrams, or, where the shorter text is at least
 * MIN_CUT_SHORT_CHARS long, of the shorter one and the longer one cut to its length,
 * whichever is higher.
 *
 * Character trigrams need no word splitting, so Arabic, French and Japanese are
 * compared alike; a changed word costs only the few trigrams around it, so small
 * edits (a typo fixed, a word added) keep a score near 1; and two posts of one
 * account on one day, which share at most a hashtag or a phrase, score far apart.
 * The cut-short comparison keeps a residue whose passage ends early, or a post
 * the article quoted with an ellipsis, at a score near 1 as well.
 */
export function textSimilarity(printed: string, captured: string): number {
  const left = normalizePostText(printed);
  return Math.max(...capturedTails(captured).map((tail) => similarityOfNormalized(left, tail)));
}

/**
 * The captured text, normalised, whole and from each of its line breaks on: a residue's
 * passage reaches back only to the paragraph break before it, so a post of several
 * paragraphs leaves only its last one in the article's text.
 */
function capturedTails(captured: string): string[] {
  const lines = captured.split(/\n+/);
  return [...new Set(lines.map((_line, index) => normalizePostText(lines.slice(index).join(' '))))];
}

/**
 * A quote check (6b): how the printed text compares with the captured one. `verbatim`
 * when, normalised, they are equal or one is the other cut short: ended early (an
 * ellipsis, a residue's passage, an old capture's 140 characters), or, for the printed
 * text, begun at one of the post's line breaks, since a residue's passage reaches back
 * only to the paragraph break before it and a post of several paragraphs leaves only
 * its last one in the article's text.
 */
export function quoteVerdict(printed: string, captured: string): { verdict: QuoteVerdict; similarity: number } {
  const left = normalizePostText(printed);
  const tails = capturedTails(captured);
  const cutShort = left !== '' && tails.some((tail) => tail !== '' && (tail.startsWith(left) || left.startsWith(tail)));
  const similarity = roundScore(Math.max(...tails.map((tail) => similarityOfNormalized(left, tail))));
  if (cutShort) return { verdict: 'verbatim', similarity };
  return { verdict: similarity >= CLOSE_SIMILARITY ? 'close' : 'differs', similarity };
}

/** Scores are kept to three decimals in the record: more would claim a precision the measure does not have. */
export function roundScore(score: number): number {
  return Math.round(score * 1000) / 1000;
}

function similarityOfNormalized(left: string, right: string): number {
  if (left === right) return left === '' ? 0 : 1;
  if (left === '' || right === '') return 0;
  const whole = diceOfTrigrams(left, right);
  const [shorter, longer] = left.length <= right.length ? [left, right] : [right, left];
  if ([...shorter].length < MIN_CUT_SHORT_CHARS) return whole;
  const cut = [...longer].slice(0, [...shorter].length).join('');
  return Math.max(whole, diceOfTrigrams(shorter, cut));
}

/** Dice over trigram multisets, counted in code points; texts under three characters count as one gram. */
function diceOfTrigrams(left: string, right: string): number {
  const leftGrams = trigramCounts(left);
  const rightGrams = trigramCounts(right);
  let shared = 0;
  let total = 0;
  for (const count of leftGrams.values()) total += count;
  for (const [gram, count] of rightGrams) {
    total += count;
    shared += Math.min(count, leftGrams.get(gram) ?? 0);
  }
  return total === 0 ? 0 : (2 * shared) / total;
}

function trigramCounts(text: string): Map<string, number> {
  const points = [...text];
  const counts = new Map<string, number>();
  if (points.length < 3) {
    counts.set(text, 1);
    return counts;
  }
  for (let index = 0; index + 3 <= points.length; index++) {
    const gram = points[index]! + points[index + 1]! + points[index + 2]!;
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}
