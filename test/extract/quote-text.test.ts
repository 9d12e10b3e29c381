import { describe, expect, it } from 'vitest';
import { normalizePostText, quoteVerdict, textSimilarity } from '../../src/extract/quote-text.js';

describe('normalizePostText', () => {
  it.each([
    ['NFKC folds compatibility forms', 'ｆｕｌｌ ｗｉｄｔｈ ﬁne', 'full width fine'],
    ['case is folded', 'Alerte À LA Bombe', 'alerte à la bombe'],
    ['whitespace runs become one space', '  one\n\ttwo \u00a0 three  ', 'one two three'],
    ['curly and straight quotes are one', '“un Noël” l’homme ‘x’', "\"un noël\"l'homme 'x'"],
    [
      'guillemets are quotes, spaces inside them dropped',
      '« un Noël sanguinaire vous attend»',
      '"un noël sanguinaire vous attend"',
    ],
    ['dashes are one', 'Wallonie–Bruxelles — Brabant − 2', 'wallonie-bruxelles - brabant - 2'],
    ['t.co links are removed', 'Alerte https://t.co/Q558GooFYF via @city', 'alerte via @city'],
    ['pic links in both display forms are removed', 'photo pic.twitter.com/rdI6rg3QRE pic.x.com/AbC123', 'photo'],
    ['a t.co link without scheme is removed', 'see t.co/abc123 now', 'see now'],
    ['a trailing ellipsis is removed', 'the beginning of a long post…', 'the beginning of a long post'],
    ['three dots at the end are an ellipsis', 'cut short...', 'cut short'],
    ['an ellipsis inside is kept (NFKC spells it as three dots)', 'wait… then', 'wait... then'],
    ['an ellipsis before a trailing link is removed', 'cut short… https://t.co/abc', 'cut short'],
    ['the three entities syndication escapes are decoded', 'Q&amp;A &lt;3', 'q&a <3'],
    [
      'Arabic is kept as it is, links removed',
      '#مكافحة_الإجرام_السيبراني pic.twitter.com/rdI6rg3QRE',
      '#مكافحة_الإجرام_السيبراني',
    ],
  ])('%s', (_what, input, expected) => {
    expect(normalizePostText(input)).toBe(expected);
  });
});

const DGSN =
  '#مكافحة_الإجرام_السيبراني توقيف مستخدم في مركز للنداء بمدينة الدار البيضاء، متورط في الابتزاز الرقمي وتوجيه رسائل إلكترونية بواسطة الأنظمة المعلوماتية لعدد من المؤسسات التعليمية والسياحية الوطنية والأجنبية، تتضمن تهديدا بارتكاب جرائم إرهابية وهمية.';
const SUDINFO =
  'Alerte à la bombe dans 27 écoles à Bruxelles et en Brabant wallon : une demande de rançon à connotation terroriste, « un Noël sanguinaire vous attend»';

// Posts of one account on one day: same subject, same hashtag, different words.
const SAME_DAY = [
  '#مكافحة_الإجرام_السيبراني توقيف شخص بمدينة طنجة للاشتباه في تورطه في النصب والاحتيال عبر الأنترنت.',
  '#مكافحة_الجريمة توقيف ثلاثة أشخاص بمدينة فاس للاشتباه في ارتباطهم بشبكة إجرامية تنشط في الاتجار في المخدرات.',
  'بلاغ: المديرية العامة للأمن الوطني تنفي صحة الأخبار المتداولة حول الابتزاز الرقمي بمدينة الدار البيضاء.',
];

describe('textSimilarity', () => {
  it.each([
    ['equal texts', SUDINFO, SUDINFO, 1, 1],
    [
      'the same text with its t.co link and other quotes',
      SUDINFO,
      `${SUDINFO.replace('« ', '"').replace('»', '"')} https://t.co/Q558GooFYF`,
      1,
      1,
    ],
    ['a residue cut short', SUDINFO.slice(0, 80), SUDINFO, 0.97, 1],
    ['a quote with an ellipsis', `${DGSN.slice(0, 90)}…`, DGSN, 0.97, 1],
    ['one word changed', SUDINFO, SUDINFO.replace('27 écoles', '28 écoles'), 0.9, 0.99],
    ['a word added', SUDINFO, SUDINFO.replace('bombe', 'bombe factice'), 0.85, 0.99],
    ['a different post of the same account and day', DGSN, SAME_DAY[0]!, 0, 0.5],
    ['another', DGSN, SAME_DAY[1]!, 0, 0.4],
    ['one on the same subject', DGSN, SAME_DAY[2]!, 0, 0.6],
    ['a few opening words are not enough to count as cut short', 'Alerte à la bombe', SUDINFO, 0, 0.4],
    ['an empty text is like nothing', '', SUDINFO, 0, 0],
    ['two empty texts are not alike either', '', ' https://t.co/x ', 0, 0],
  ])('%s', (_what, a, b, low, high) => {
    const score = textSimilarity(a, b);
    expect(score).toBeGreaterThanOrEqual(low);
    expect(score).toBeLessThanOrEqual(high);
    expect(textSimilarity(b, a)).toBe(score);
  });
});

describe('quoteVerdict', () => {
  it.each([
    ['equal after normalisation', SUDINFO, `${SUDINFO} https://t.co/Q558GooFYF`, 'verbatim'],
    ['the residue ends early', SUDINFO.slice(0, 60), SUDINFO, 'verbatim'],
    ['the article cut it with an ellipsis', `${SUDINFO.slice(0, 60)}…`, SUDINFO, 'verbatim'],
    ['the post was cut (an old 140-character capture)', SUDINFO, SUDINFO.slice(0, 100), 'verbatim'],
    [
      'the residue holds the last paragraph of the post only',
      'Second paragraph of the post, which the residue kept.',
      'A first paragraph.\n\nSecond paragraph of the post, which the residue kept.',
      'verbatim',
    ],
    [
      'but not a part from the middle of a line',
      'paragraph of the post, which the residue kept.',
      'A first paragraph.\n\nSecond paragraph of the post, which the residue kept.',
      'close',
    ],
    ['a number changed', SUDINFO, SUDINFO.replace('27', '72'), 'close'],
    [
      'a phrase changed',
      SUDINFO,
      SUDINFO.replace('un Noël sanguinaire vous attend', 'vous allez le regretter'),
      'differs',
    ],
    ['another post', DGSN, SAME_DAY[0]!, 'differs'],
  ])('%s: %s', (_what, printed, captured, verdict) => {
    const quote = quoteVerdict(printed, captured);
    expect(quote.verdict).toBe(verdict);
    expect(quote.similarity).toBeGreaterThanOrEqual(0);
    expect(quote.similarity).toBeLessThanOrEqual(1);
    if (verdict === 'verbatim') expect(quote.similarity).toBeGreaterThanOrEqual(0.95);
  });
});
