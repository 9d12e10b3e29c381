// Month names for reading printed embed dates, taken from the ICU data Node ships
// with (full-icu) so that the spellings follow CLDR, plus the variants it lacks.
//
// Two tables, each built once, on first need: the languages most articles are in
// (a few milliseconds), and every other locale the runtime has (a few hundred
// DateTimeFormat objects, tens to hundreds of milliseconds), built only when a
// date holds a word the first table does not know. A name is looked up whole in a
// Map, one to three words at a time, so neither the number of languages nor the
// length of the names slows a lookup down.

/**
 * Read first; where a name means different months in two languages, these decide.
 * The Arabic regional locales give the Levantine (ar-SY: كانون الثاني, شباط…),
 * Moroccan (ar-MA: يوليوز, غشت…) and Algerian/Tunisian (ar-DZ: جانفي, فيفري…) names
 * next to the Gulf/Egyptian ones (ar). No two of them give one name different months.
 */
const COMMON_LOCALES = [
  'en',
  'fr',
  'de',
  'es',
  'nl',
  'it',
  'pt',
  'ca',
  'sv',
  'da',
  'nb',
  'pl',
  'tr',
  'id',
  'ro',
  'ar',
  'ar-SY',
  'ar-MA',
  'ar-DZ',
];

/**
 * Every CLDR language the ICU data of Node 20 has date formats for: JavaScript
 * has no call that lists a runtime's locales, so this list was made once by asking
 * Intl.DateTimeFormat.supportedLocalesOf about every two- and three-letter code,
 * and is filtered by the same call at run time (a runtime with less ICU data reads
 * fewer languages; one with more reads these).
 */
const ICU_LOCALES = (
  'af agq ak am ar ars as asa ast az ba bas be bem bez bg bgc bho blo bm bn bo br brx bs bua ca ccp ce ceb cgg chr ckb cs ' +
  'csw cv cy da dav de dje doi dsb dua dyo dz ebu ee el en eo es et eu ewo fa fa-AF ff fi fil fo fr fur fy ga gaa gd gl gsw ' +
  'gu guz gv ha haw he hi hr hsb hu hy ia id ie ig ii is it ja jgo jmc jv ka kab kam kde kea kgp khq ki kk kkj kl kln km kn ' +
  'ko kok ks ksb ksf ksh ku kw kxv ky lag lb lg lij lkt lmo ln lo lrc lt lu luo luy lv mai mas mer mfe mg mgh mgo mi mk ml mn ' +
  'mni mr ms mt mua my mzn naq nb nd nds ne nl nmg nn nnh no nqo nso nus nyn oc om or os pa pcm pl pms prg ps pt qu raj rm rn ' +
  'ro rof ru rw rwk sa sah saq sat sbp sc scn sd se seh ses sg shi shn si sk sl smn sn so sq sr sr-Latn sr-ME st su sv sw ' +
  'sw-CD syr szl ta te teo tg th ti tk tn to tok tr tt twq tyv tzm ug uk ur uz vai vec vi vmw vun wae wo xh xnr xog yav yi ' +
  'yo yrl yue za zgh zh zu'
).split(' ');

/** Spellings in common use that CLDR does not give, by month number. */
const EXTRA_MONTH_NAMES: Record<number, string[]> = {
  1: ['كانون ثاني'], // Levantine names are also written without the article
  2: ['fév'],
  3: ['mrz'],
  6: ['يونيه'], // Egyptian
  7: ['يوليه'],
  10: ['تشرين أول'],
  11: ['تشرين ثاني'],
  12: ['كانون أول'],
};

/** Words written between the parts of a date that no locale's format gives: "the 28th of November". */
const EXTRA_FILLER_WORDS = ['of', 'the', 'de', 'del', 'di'];

/** What separates the words of a date: space, commas (Latin and Arabic) and dots. */
export const DATE_WORD_SEPARATORS = /[\s,.،]+/u;
/** The longest month name, in words ("tháng mười hai", "كانون الثاني"). */
const MAX_MONTH_NAME_WORDS = 3;

/** Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹, Persian and Urdu) digits: their low four bits are their value. */
const EASTERN_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;

/** Printable ASCII and ASCII white space only. */
const ASCII_ONLY = /^[\t-\r -~]*$/;

/**
 * Folds a printed date or a month name so that spellings that differ only in case,
 * accents, hamza, alef maqsura, tatweel, bidi marks or digit script compare equal.
 */
export function foldDateText(text: string): string {
  // Most dates are ASCII ("November 28, 2023", "28 novembre 2023"): nothing there to unmark or unify.
  if (ASCII_ONLY.test(text)) return text.toLowerCase().replace(/\s+/g, ' ').trim();
  return text
    .replace(EASTERN_DIGITS, (digit) => String(digit.charCodeAt(0) & 0xf))
    .normalize('NFD')
    .replace(/\p{M}|[\u0640\u061c\u200e\u200f]/gu, '') // marks, tatweel, bidi controls
    .normalize('NFC') // recompose what NFD split and the marks did not cover (Hangul)
    .replace(/\u0649/g, '\u064a') // alef maqsura -> ya
    .replace(/[’ʼ]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The words of a folded date text. */
export function dateWords(folded: string): string[] {
  return folded.split(DATE_WORD_SEPARATORS).filter((word) => word !== '');
}

export interface MonthTable {
  /** A month name's words, folded and joined by one space -> its month (1-12). */
  months: Map<string, number>;
  /** Words a locale writes between the parts of a date ("г.", "gada", "de"). */
  fillers: Set<string>;
}

let commonTable: MonthTable | undefined;
let otherTable: MonthTable | undefined;

function commonMonthTable(): MonthTable {
  commonTable ??= buildMonthTable(COMMON_LOCALES, { extraNames: EXTRA_MONTH_NAMES });
  return commonTable;
}

function otherMonthTable(): MonthTable {
  otherTable ??= buildMonthTable(Intl.DateTimeFormat.supportedLocalesOf(ICU_LOCALES), {
    knownNames: commonMonthTable().months,
  });
  return otherTable;
}

/**
 * The month tables, in the order they are asked: the languages of COMMON_LOCALES,
 * then every other locale of the runtime. Each is built on its first call.
 */
export const MONTH_TABLES: readonly (() => MonthTable)[] = [commonMonthTable, otherMonthTable];

/**
 * The month name of `table` (1 to MAX_MONTH_NAME_WORDS words, the longest first)
 * that starts at `words[index]` (folded, as dateWords gives them), or undefined.
 */
export function monthNameAt(
  table: MonthTable,
  words: readonly string[],
  index: number,
): { month: number; wordCount: number } | undefined {
  for (let wordCount = Math.min(MAX_MONTH_NAME_WORDS, words.length - index); wordCount >= 1; wordCount--) {
    const month = table.months.get(words.slice(index, index + wordCount).join(' '));
    if (month !== undefined) return { month, wordCount };
  }
  return undefined;
}

/**
 * Reads the long and short month names of `locales`, each both standalone
 * ("září") and as written in a date (the genitive "17. září"), with the letters a
 * language glues to the month in a date (Hebrew "17 בספטמבר 2019": the prefix ב).
 * A name that means different months in two of the locales is left out (it cannot
 * be read), unless `knownNames` has it: those were decided by the common table.
 */
function buildMonthTable(
  locales: readonly string[],
  options: { extraNames?: Record<number, string[]>; knownNames?: ReadonlyMap<string, number> },
): MonthTable {
  const candidates = new Map<string, Set<number>>();
  const fillers = new Set(EXTRA_FILLER_WORDS);
  const add = (name: string, month: number): void => {
    // Catalan puts the preposition into the month part ("de gener", "d’abril"), and
    // abbreviations carry a dot: keep the bare name, the date reader allows both around it.
    const key = dateWords(foldDateText(name).replace(/^(?:de |d')/, '')).join(' ');
    // A month part with no letter is a number (ja "9"): the numeric readers handle those.
    if (key === '' || !/\p{L}/u.test(key) || options.knownNames?.has(key) === true) return;
    const months = candidates.get(key) ?? new Set<number>();
    months.add(month);
    candidates.set(key, months);
  };
  for (const locale of locales) {
    const formats = (['long', 'short'] as const).flatMap((month) => [
      new Intl.DateTimeFormat(locale, { month, timeZone: 'UTC', calendar: 'gregory' }),
      new Intl.DateTimeFormat(locale, { day: 'numeric', month, year: 'numeric', timeZone: 'UTC', calendar: 'gregory' }),
    ]);
    for (let month = 1; month <= 12; month++) {
      const date = new Date(Date.UTC(2023, month - 1, 15));
      for (const format of formats) {
        const parts = format.formatToParts(date);
        const index = parts.findIndex((part) => part.type === 'month');
        const name = parts[index]?.value;
        if (name === undefined) continue;
        add(name, month);
        const prefix = /\p{L}+$/u.exec(
          parts[index - 1]?.type === 'literal' ? (parts[index - 1]?.value ?? '') : '',
        )?.[0];
        if (prefix !== undefined) add(`${prefix}${name}`, month);
        for (const part of parts) {
          if (part.type !== 'literal') continue;
          for (const word of dateWords(foldDateText(part.value))) if (/^\p{L}+$/u.test(word)) fillers.add(word);
        }
      }
    }
  }
  for (const [month, names] of Object.entries(options.extraNames ?? {})) {
    for (const name of names) add(name, Number(month));
  }
  const months = new Map<string, number>();
  for (const [key, monthsNamed] of candidates) {
    const [only] = monthsNamed;
    if (monthsNamed.size === 1 && only !== undefined) months.set(key, only);
  }
  return { months, fillers };
}
