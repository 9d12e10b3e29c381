import { MONTH_TABLES, dateWords, foldDateText, monthNameAt } from './month-names.js';

/** Year first, numeric month: 2023年11月28日 (Chinese, Japanese), 2023년 11월 28일 (Korean). */
const YEAR_FIRST_NUMERIC_DATE = /^(\d{4}) ?[年년] ?(\d{1,2}) ?[月월] ?(\d{1,2}) ?[日일]$/u;

const DAY = /^(\d{1,2})(?:er|st|nd|rd|th|º|ª|o)?$/;
const YEAR = /^\d{4}$/;
/** A word with an elided article or preposition before the month: "d'octubre" (Catalan), "l'" and the like. */
const ELIDED_PREFIX = /^\p{L}{1,2}'(?=\p{L})/u;

/**
 * Reads a date as an embed prints it ("November 28, 2023", "28. November 2023",
 * "28 de noviembre de 2023", "٢٨ نوفمبر ٢٠٢٣", "28 تشرين الثاني 2023",
 * "17 בספטמבר 2019", "17 сентября 2019 г.", …) and returns it as YYYY-MM-DD;
 * undefined when the text is anything more or less than a day, a month name and a
 * year, in any order, with the words a language writes between them.
 */
export function parsePrintedDate(text: string): string | undefined {
  // Pages of one day print the same few dates over and over, and reading one is
  // the slowest step of an embed: a small memo, emptied when full, keeps it to a lookup.
  if (READ_DATES.has(text)) return READ_DATES.get(text);
  const date = readDate(text);
  if (READ_DATES.size >= MAX_READ_DATES) READ_DATES.clear();
  READ_DATES.set(text, date);
  return date;
}

const READ_DATES = new Map<string, string | undefined>();
const MAX_READ_DATES = 1024;

function readDate(text: string): string | undefined {
  const folded = foldDateText(text);
  const yearFirst = YEAR_FIRST_NUMERIC_DATE.exec(folded);
  if (yearFirst !== null) return isoDate(yearFirst[1], yearFirst[2], yearFirst[3]);

  const words = dateWords(folded).map((word) => (word.includes("'") ? word.replace(ELIDED_PREFIX, '') : word));
  let month: number | undefined;
  let day: string | undefined;
  let year: string | undefined;
  for (let index = 0; index < words.length;) {
    const word = words[index] ?? '';
    const dayMatch = DAY.exec(word);
    if (YEAR.test(word) && year === undefined) {
      year = word;
      index++;
    } else if (dayMatch !== null && day === undefined) {
      day = dayMatch[1];
      index++;
    } else {
      const read = readMonthOrFiller(words, index, month === undefined);
      if (read === undefined) return undefined;
      month ??= read.month;
      index += read.wordCount;
    }
  }
  return isoDate(year, month === undefined ? undefined : String(month), day);
}

/**
 * Reads the month name (where `monthWanted`) or the filler word at `words[index]`,
 * asking the common languages' table before the others: a word is read in the
 * first table that knows it, so the second is built only for a word the first
 * does not know.
 */
function readMonthOrFiller(
  words: readonly string[],
  index: number,
  monthWanted: boolean,
): { month?: number; wordCount: number } | undefined {
  const word = words[index] ?? '';
  for (const table of MONTH_TABLES) {
    const tableRead = table();
    const name = monthWanted ? monthNameAt(tableRead, words, index) : undefined;
    if (name !== undefined) return name;
    if (tableRead.fillers.has(word)) return { wordCount: 1 };
  }
  return undefined;
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
