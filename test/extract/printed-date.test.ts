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
    ['28 d’octubre de 2023', '2023-10-28'],
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
    // Every other locale of the runtime's ICU data: genitive forms, glued prefixes, words between the parts
    ['17 בספטמבר 2019', '2019-09-17'],
    ['17 ספטמבר 2019', '2019-09-17'],
    ['17 сентября 2019 г.', '2019-09-17'],
    ['24 серпня 2021 р.', '2021-08-24'],
    ['3 października 2022', '2022-10-03'],
    ['5. března 2021', '2021-03-05'],
    ['8 Ιουλίου 2020', '2020-07-08'],
    ['14 Şubat 2023', '2023-02-14'],
    ['2 tháng 9, 2021', '2021-09-02'],
    ['2021. március 5.', '2021-03-05'],
    ['5. maaliskuuta 2021', '2021-03-05'],
    ['2019 m. rugsėjo 17 d.', '2019-09-17'],
    ['17 सितंबर 2019', '2019-09-17'],
    ['17 กันยายน 2019', '2019-09-17'],
    ['17 Medi 2019', '2019-09-17'],
    ['17 Meán Fómhair 2019', '2019-09-17'],
    ['17 سپتامبر 2019', '2019-09-17'],
    ['2017年11月23日', '2017-11-23'],
    // A name two languages give different months is read as the common language reads it: Polish listopad is November
    ['17 listopada 2019', '2019-11-17'],
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
    // No locale writes a word like these between the parts of a date
    'said in 2019',
    '17 September 2019 said',
    '2019-09-17',
  ])('reads %j as no date', (text) => {
    expect(parsePrintedDate(text)).toBeUndefined();
  });
});
