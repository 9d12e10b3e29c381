// Month names for reading printed embed dates, taken from the ICU data Node ships
// with (full-icu) so that the spellings follow CLDR, plus the variants it lacks.

/**
 * Locales whose long, short, standalone and in-date (genitive) month names are read
 * from Intl. The Arabic regional locales give the Levantine (ar-SY: كانون الثاني,
 * شباط…), Moroccan (ar-MA: يوليوز, غشت…) and Algerian/Tunisian (ar-DZ: جانفي, فيفري…)
 * names next to the Gulf/Egyptian ones (ar). The list was checked for names
 * that mean different months in two locales: there are none.
 */
const MONTH_NAME_LOCALES = [
  'en', 'fr', 'de', 'es', 'nl', 'it', 'pt', 'ca', 'sv', 'da', 'nb', 'pl', 'tr', 'id', 'ro',
  'ar', 'ar-SY', 'ar-MA', 'ar-DZ',
];

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

/** Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹, Persian and Urdu) digits: their low four bits are their value. */
const EASTERN_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;

/**
 * Folds a printed date or a month name so that spellings that differ only in case,
 * accents, hamza, alef maqsura, tatweel, bidi marks or digit script compare equal.
 */
export function foldDateText(text: string): string {
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

/** Folded month name -> month number (1-12). */
export function buildMonthNameTable(): Map<string, number> {
  const table = new Map<string, number>();
  const add = (name: string, month: number): void => {
    // Catalan puts the preposition into the month part ("de gener", "d’abril"), and
    // abbreviations carry a dot: keep the bare name, the date reader allows both around it.
    const bare = foldDateText(name).replace(/^(?:de |d')/, '').replace(/\.$/, '');
    if (bare !== '' && !table.has(bare)) table.set(bare, month);
  };
  for (const locale of MONTH_NAME_LOCALES) {
    const formats = (['long', 'short'] as const).flatMap((month) => [
      new Intl.DateTimeFormat(locale, { month, timeZone: 'UTC' }),
      new Intl.DateTimeFormat(locale, { day: 'numeric', month, year: 'numeric', timeZone: 'UTC' }),
    ]);
    for (let month = 1; month <= 12; month++) {
      const date = new Date(Date.UTC(2023, month - 1, 15));
      for (const format of formats) {
        const name = format.formatToParts(date).find((part) => part.type === 'month')?.value;
        if (name !== undefined) add(name, month);
      }
    }
  }
  for (const [month, names] of Object.entries(EXTRA_MONTH_NAMES)) {
    for (const name of names) add(name, Number(month));
  }
  return table;
}
