import { describe, expect, it } from 'vitest';
import { parsePrintedDate } from '../../src/extract/index.js';

describe('parsePrintedDate', () => {
  it.each([
    // English, long and short
    ['November 28, 2023', '2023-11-28'],
    ['Nov 28, 2023', '2023-11-28'],
    ['Sept 3, 2023', '2023-09-03'],
    ['28 November 2023', '2023-11-28'],
    // French
    ['28 novembre 2023', '2023-11-28'],
    ['1er mars 2024', '2024-03-01'],
    ['3 févr. 2024', '2024-02-03'],
    ['15 aout 2023', '2023-08-15'],
    // German
    ['28. November 2023', '2023-11-28'],
    ['3. März 2024', '2024-03-03'],
    ['3. Mrz. 2024', '2024-03-03'],
    // Spanish
    ['28 de noviembre de 2023', '2023-11-28'],
    ['28 nov 2023', '2023-11-28'],
    // Dutch
    ['28 november 2023', '2023-11-28'],
    ['14 mrt. 2024', '2024-03-14'],
    // Italian
    ['3 luglio 2023', '2023-07-03'],
    ['28 nov 2023', '2023-11-28'],
    // Portuguese
    ['28 de novembro de 2023', '2023-11-28'],
    ['5 de dez. de 2023', '2023-12-05'],
    // Catalan, which puts d' before a vowel
    ["28 d’octubre de 2023", '2023-10-28'],
    // Arabic: Gulf/Egyptian, Levantine and Maghreb month names, Arabic-Indic digits, either order
    ['28 نوفمبر 2023', '2023-11-28'],
    ['٢٨ نوفمبر ٢٠٢٣', '2023-11-28'],
    ['نوفمبر ٢٨، ٢٠٢٣', '2023-11-28'],
    ['٢٨ تشرين الثاني ٢٠٢٣', '2023-11-28'],
    ['1 كانون الثاني 2024', '2024-01-01'],
    ['15 آذار 2024', '2024-03-15'],
    ['15 اذار 2024', '2024-03-15'],
    ['28 نونبر 2023', '2023-11-28'],
    ['5 جانفي 2024', '2024-01-05'],
    ['10 يونيه 2023', '2023-06-10'],
    ['٢٨ تشرين ثاني ٢٠٢٣', '2023-11-28'],
    // Persian digits, and year-first numeric dates
    ['۲۸ نوفمبر ۲۰۲۳', '2023-11-28'],
    ['2023年11月28日', '2023-11-28'],
    ['2023년 11월 28일', '2023-11-28'],
    // Leap years
    ['February 29, 2024', '2024-02-29'],
  ])('reads %j as %s', (text, expected) => {
    expect(parsePrintedDate(text)).toBe(expected);
  });

  it.each([
    'November 31, 2023',
    'February 29, 2023',
    'November 2023',
    'November 28',
    'in 2023',
    'on November 28, 2023',
    '28/11/2023',
    'Smarch 28, 2023',
    '',
  ])('reads %j as no date', (text) => {
    expect(parsePrintedDate(text)).toBeUndefined();
  });
});
