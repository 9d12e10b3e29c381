import { buildMonthNameTable, foldDateText } from './month-names.js';

const MONTH_NAMES = buildMonthNameTable();

// Longest names first, so that "كانون الثاني" wins over a shorter name inside it.
// The look-arounds stand in for \b, which knows only ASCII letters.
const MONTH_NAME_PATTERN = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(` +
    [...MONTH_NAMES.keys()]
      .sort((a, b) => b.length - a.length)
      .map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|') +
    String.raw`)\.?(?!\p{L})`,
  'u',
);

/** Year first, numeric month: 2023年11月28日 (Chinese, Japanese), 2023년 11월 28일 (Korean). */
const YEAR_FIRST_NUMERIC_DATE = /^(\d{4}) ?[年년] ?(\d{1,2}) ?[月월] ?(\d{1,2}) ?[日일]$/u;

const DAY = /^(\d{1,2})(?:er|st|nd|rd|th|º|ª|o)?$/;
const YEAR = /^\d{4}$/;
/** Words that sit between the parts of a date: "28 de noviembre de 2023", "28 d'octubre", "the 28th of November". */
const DATE_FILLER_WORDS = new Set(['de', 'del', 'di', "d'", 'of', 'the']);
const DATE_PART_SEPARATORS = /[\s,.،]+/u;

/**
 * Reads a date as an embed prints it ("November 28, 2023", "28. November 2023",
 * "28 de noviembre de 2023", "٢٨ نوفمبر ٢٠٢٣", "28 تشرين الثاني 2023", …) and
 * returns it as YYYY-MM-DD; undefined when the text is anything more or less than
 * a day, a month name and a year, in any order.
 */
export function parsePrintedDate(text: string): string | undefined {
  const folded = foldDateText(text);
  const yearFirst = YEAR_FIRST_NUMERIC_DATE.exec(folded);
  if (yearFirst !== null) return isoDate(yearFirst[1], yearFirst[2], yearFirst[3]);

  const monthMatch = MONTH_NAME_PATTERN.exec(folded);
  const month = monthMatch?.[1] === undefined ? undefined : MONTH_NAMES.get(monthMatch[1]);
  if (monthMatch === null || month === undefined) return undefined;

  const rest = `${folded.slice(0, monthMatch.index)} ${folded.slice(monthMatch.index + monthMatch[0].length)}`;
  let day: string | undefined;
  let year: string | undefined;
  for (const word of rest.split(DATE_PART_SEPARATORS)) {
    if (word === '' || DATE_FILLER_WORDS.has(word)) continue;
    const dayMatch = DAY.exec(word);
    if (YEAR.test(word) && year === undefined) year = word;
    else if (dayMatch !== null && day === undefined) day = dayMatch[1];
    else return undefined;
  }
  return isoDate(year, String(month), day);
}

function isoDate(year: string | undefined, month: string | undefined, day: string | undefined): string | undefined {
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const date = new Date(Date.UTC(y, m - 1, d));
  // Date.UTC rolls 31 November over into December: a date that does not survive the round trip does not exist.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
