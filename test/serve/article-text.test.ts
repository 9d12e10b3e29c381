import { describe, expect, it } from 'vitest';
import { extractFromHtml, extractFromText } from '../../src/extract/index.js';
import type { Citation, DocumentRecord } from '../../src/model/index.js';
import { markArticle, type ArticlePiece } from '../../src/serve/article-text.js';

/** A record of the citations extraction finds in `text`, as the pipeline would build it (statuses aside). */
function recordOf(text: string, mediaType: 'text/html' | 'text/plain'): Pick<DocumentRecord, 'citations' | 'source'> {
  const extracted = mediaType === 'text/html' ? extractFromHtml(text) : extractFromText(text);
  const citations = extracted.citations.map((citation, index): Citation => ({
    id: `c${index}`,
    type: 'post',
    status: 'archived',
    occurrences: citation.occurrences,
    checks: [],
  }));
  return { source: { uri: 'inline:', mediaType, sha256: '', bytes: text.length }, citations };
}

/** The article as text, each marked stretch in [brackets] with its citation and occurrence. */
function shown(pieces: ArticlePiece[]): string {
  return pieces
    .map((piece) => (piece.mark ? `[${piece.mark.citation}.${piece.mark.occurrence}:${piece.text}]` : piece.text))
    .join('');
}

describe('the article text with its occurrences marked', () => {
  it('marks a link by its text, an embed by its quote, a URL in the text by itself; markup becomes paragraphs', () => {
    const html = `<html><head><title>T</title><script>var x = "<p>no</p>";</script></head><body>
<p>First &amp; foremost, <a href="https://twitter.com/a/status/1111111111">a post</a> said so.</p>
<blockquote class="twitter-tweet"><p>Hello   world</p>&mdash; A (@b) <a href="https://twitter.com/b/status/2222222222">May 1, 2023</a></blockquote>
<p>See https://t.co/abcdEFGH12 too.</p></body></html>`;
    const pieces = markArticle(recordOf(html, 'text/html'), html);
    expect(shown(pieces)).toBe(
      'First & foremost, [0.0:a post] said so.\n\n[1.0:Hello world]\n\n[1.0:— A (@b) ][1.1:May 1, 2023]\n\nSee [2.0:https://t.co/abcdEFGH12] too.',
    );
    // Each occurrence's first piece carries its anchor, once.
    expect(pieces.filter((piece) => piece.mark?.first).map((piece) => piece.mark?.citation)).toEqual([0, 1, 1, 2]);
  });

  it('gives an occurrence with no text of its own a mark all the same', () => {
    const html =
      '<p>Before.</p><amp-twitter data-tweetid="3333333333" width="1" height="1"></amp-twitter><p>After.</p>';
    expect(shown(markArticle(recordOf(html, 'text/html'), html))).toBe('Before.\n\n[0.0:[embedded post]]\n\nAfter.');
  });

  it('marks plain text at its offsets, keeping its lines as they are', () => {
    const text = 'One line\n\nthen https://x.com/c/status/4444444444 and\n  pic.twitter.com/ZZZZZZZZZZ end';
    expect(shown(markArticle(recordOf(text, 'text/plain'), text))).toBe(
      'One line\n\nthen [0.0:https://x.com/c/status/4444444444] and\n  [1.0:pic.twitter.com/ZZZZZZZZZZ] end',
    );
  });
});
