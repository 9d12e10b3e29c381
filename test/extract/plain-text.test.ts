import { describe, expect, it } from 'vitest';
import {
  BLOCK_BREAK,
  LINE_BREAK,
  PlainTextBuilder,
  collapseWhitespace,
  contextAround,
} from '../../src/extract/plain-text.js';

describe('PlainTextBuilder', () => {
  // <p>A &amp; B</p><p>C<br>D</p>, as the parser reports it.
  const markup = '<p>A &amp; B</p><p>C<br>D</p>';
  const plain = new PlainTextBuilder();
  plain.addBreak(BLOCK_BREAK, 0); // a break at the very start counts for nothing
  plain.append('A ', 3, 5);
  plain.append('&', 5, 10);
  plain.append(' B', 10, 12);
  plain.addBreak(BLOCK_BREAK, 12);
  plain.addBreak(BLOCK_BREAK, 16); // a run of breaks counts as one
  plain.append('C', 19, 20);
  plain.addBreak(LINE_BREAK, 20);
  plain.append('D', 24, 25);

  it('reads the text with one marker a break', () => {
    expect(plain.slice(0, plain.length)).toBe('A & B\u2029C\u2028D');
    expect(plain.slice(2, 7)).toBe('& B\u2029C');
    expect(plain.slice(7, 100)).toBe('\u2028D');
  });

  it('maps text copied as it is character by character, and an entity as a whole', () => {
    expect(plain.markupStart(0)).toBe(3);
    expect(plain.markupStart(2)).toBe(5);
    expect(plain.markupEnd(3)).toBe(10);
    expect(markup.slice(plain.markupStart(4), plain.markupEnd(5))).toBe('B');
    expect(markup.slice(plain.markupStart(0), plain.markupEnd(5))).toBe('A &amp; B');
  });

  it('maps markup back to plain text only where the text was copied', () => {
    expect(plain.plainPositionOf(4)).toBe(1);
    expect(plain.plainPositionOf(11)).toBe(4);
    expect(plain.plainPositionOf(6)).toBeUndefined(); // inside &amp;
    expect(plain.plainPositionOf(13)).toBeUndefined(); // inside </p>
  });

  it('knows where paragraphs start', () => {
    expect(plain.paragraphAround(2)).toEqual({ start: 0, previousStart: 0 });
    expect(plain.paragraphAround(8)).toEqual({ start: 6, previousStart: 0 });
  });
});

describe('collapseWhitespace', () => {
  it('collapses every kind of space to one and trims', () => {
    expect(collapseWhitespace(' a \n\t b\u00a0\u2029c ')).toBe('a b c');
  });
});

describe('contextAround', () => {
  it('takes about 100 characters each side and never half a surrogate pair', () => {
    const text = `${'😀'.repeat(150)}x${'😀'.repeat(150)}`;
    const context = contextAround(text, 300);
    expect(context).toMatch(/^(😀)+x(😀)+$/u);
    expect(context.length).toBeLessThanOrEqual(200);
  });
});
