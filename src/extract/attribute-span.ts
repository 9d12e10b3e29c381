// Where an attribute's value is written in an opening tag. htmlparser2 hands out
// attribute values decoded; an occurrence needs the value as written and its
// offset. This reads the tag the way htmlparser2's tokenizer does (the first of
// two same-named attributes wins, as in its `attribs`), and is run only on the
// few tags whose values are needed, so the parser itself needs no attribute
// callback at all.

const WHITESPACE = ' \t\n\f\r';

/**
 * The span [start, end) of the value of the first `name` attribute (lowercase) of
 * the opening tag markup[tagStart, tagEnd), or undefined where it has none or it
 * has no value.
 */
export function attributeValueSpan(
  markup: string,
  tagStart: number,
  tagEnd: number,
  name: string,
): { start: number; end: number } | undefined {
  const isSpace = (index: number): boolean => WHITESPACE.includes(markup.charAt(index));
  // Past `<` and the tag name.
  let index = tagStart + 1;
  while (index < tagEnd && !isSpace(index) && markup.charAt(index) !== '/' && markup.charAt(index) !== '>') index++;
  while (index < tagEnd) {
    const char = markup.charAt(index);
    if (isSpace(index) || char === '/') {
      index++;
      continue;
    }
    if (char === '>') return undefined;
    // An attribute name runs to `=`, space, `/` or `>`; its first character may be `=`.
    const nameStart = index++;
    while (index < tagEnd && !isSpace(index) && !'=/>'.includes(markup.charAt(index))) index++;
    const attributeName = markup.slice(nameStart, index).toLowerCase();
    while (index < tagEnd && isSpace(index)) index++;
    if (markup.charAt(index) !== '=') continue; // no value
    index++;
    while (index < tagEnd && isSpace(index)) index++;
    const quote = markup.charAt(index);
    let value: { start: number; end: number };
    if (quote === '"' || quote === "'") {
      const close = markup.indexOf(quote, index + 1);
      if (close < 0 || close >= tagEnd) return undefined;
      value = { start: index + 1, end: close };
      index = close + 1;
    } else {
      const start = index;
      while (index < tagEnd && !isSpace(index) && markup.charAt(index) !== '>') index++;
      value = { start, end: index };
    }
    if (attributeName === name) return value;
  }
  return undefined;
}
