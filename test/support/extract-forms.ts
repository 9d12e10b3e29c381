// Every extraction fixture against what it cites, by form (test/fixtures/forms/expected.json):
// which positives the extractor finds, which negatives it leaves alone, and which
// post citations nobody expected. Shared by test/extract/forms.test.ts, which
// requires all of it, and bench/recall.ts, which prints it as a table.
import { readFileSync, readdirSync } from 'node:fs';
import {
  decodeHtmlBytes,
  extractFromHtml,
  extractFromText,
  type ExtractedCitation,
  type ExtractedDocument,
} from '../../src/extract/index.js';

const FIXTURES = new URL('../fixtures/extract/', import.meta.url);
const EXPECTED = new URL('../fixtures/forms/expected.json', import.meta.url);

/**
 * What a post citation must say; absent fields are not checked, `date: null` means
 * no date read, `text: null` no text (`post.embed.text`, the residue's passage).
 */
export interface ExpectedPost {
  id?: string;
  handle?: string;
  authorName?: string;
  dateText?: string;
  date?: string | null;
  text?: string | null;
}

export type Expectation =
  | { form: string; post: ExpectedPost }
  | { form: string; link: string }
  /** Text of the fixture (its first copy) that no occurrence may touch. */
  | { form: string; notCited: string };

export interface FixtureSource {
  name: string;
  /** The text offsets refer to: the decoded markup for HTML. */
  source: string;
  extract: (source: string) => ExtractedDocument;
}

/** Text and markdown fixtures are read as plain text, the rest as HTML bytes decoded as a browser would. */
export function readFixtureSources(): FixtureSource[] {
  return readdirSync(FIXTURES)
    .sort()
    .map((name): FixtureSource => {
      const bytes = readFileSync(new URL(name, FIXTURES));
      return /\.(?:txt|md)$/.test(name)
        ? { name, source: bytes.toString('utf8'), extract: extractFromText }
        : { name, source: decodeHtmlBytes(bytes).text, extract: extractFromHtml };
    });
}

export function readExpectations(): Map<string, Expectation[]> {
  const parsed: unknown = JSON.parse(readFileSync(EXPECTED, 'utf8'));
  if (!isRecord(parsed)) throw new Error(`${EXPECTED.pathname}: expected an object of fixture names`);
  const expectations = new Map<string, Expectation[]>();
  for (const [name, list] of Object.entries(parsed)) {
    if (name.startsWith('$')) continue;
    if (!Array.isArray(list)) throw new Error(`${EXPECTED.pathname}: ${name}: expected a list`);
    expectations.set(
      name,
      list.map((entry: unknown, index) => toExpectation(entry, `${EXPECTED.pathname}: ${name}[${index}]`)),
    );
  }
  return expectations;
}

/** One expectation checked against one fixture's citations. */
export interface CheckedExpectation {
  fixture: string;
  expectation: Expectation;
  /** For a positive: found. For a negative: left alone. */
  held: boolean;
}

export interface FixtureCheck {
  fixture: string;
  checked: CheckedExpectation[];
  /** Post citations no positive expectation accounts for: false citations, or an expectation missing. */
  unexpectedPosts: ExtractedCitation[];
}

/**
 * Checks a fixture's citations against its expectations. Each positive claims the
 * first citation it matches that no earlier positive has claimed, so two
 * expected posts are never satisfied by one citation.
 */
export function checkFixture(fixture: FixtureSource, expectations: readonly Expectation[]): FixtureCheck {
  const { citations } = fixture.extract(fixture.source);
  const claimed = new Set<ExtractedCitation>();
  const checked = expectations.map((expectation): CheckedExpectation => {
    if ('notCited' in expectation) {
      return { fixture: fixture.name, expectation, held: !isTouched(fixture.source, expectation.notCited, citations) };
    }
    const match = citations.find((citation) => !claimed.has(citation) && matches(citation, expectation));
    if (match !== undefined) claimed.add(match);
    return { fixture: fixture.name, expectation, held: match !== undefined };
  });
  const unexpectedPosts = citations.filter((citation) => citation.type === 'post' && !claimed.has(citation));
  return { fixture: fixture.name, checked, unexpectedPosts };
}

function matches(citation: ExtractedCitation, expectation: Expectation): boolean {
  if ('link' in expectation) return citation.id === `tco:${expectation.link}`;
  if (!('post' in expectation) || citation.type !== 'post') return false;
  const { post } = expectation;
  const embed = citation.post?.embed;
  return (
    (post.id === undefined || citation.id === `post:${post.id}`) &&
    (post.handle === undefined || citation.post?.handle === post.handle) &&
    (post.authorName === undefined || embed?.authorName === post.authorName) &&
    (post.dateText === undefined || embed?.dateText === post.dateText) &&
    (post.date === undefined || embed?.date === (post.date ?? undefined)) &&
    (post.text === undefined || embed?.text === (post.text ?? undefined))
  );
}

function isTouched(source: string, text: string, citations: readonly ExtractedCitation[]): boolean {
  const start = source.indexOf(text);
  if (start < 0) throw new Error(`not in the fixture: ${JSON.stringify(text)}`);
  const end = start + text.length;
  return citations.some((citation) =>
    citation.occurrences.some(
      (occurrence) => occurrence.offset < end && occurrence.offset + occurrence.raw.length > start,
    ),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toExpectation(entry: unknown, where: string): Expectation {
  if (!isRecord(entry) || typeof entry['form'] !== 'string')
    throw new Error(`${where}: expected { form, post | link | notCited }`);
  const form = entry['form'];
  const { post, link, notCited } = entry;
  if (typeof link === 'string') return { form, link };
  if (typeof notCited === 'string') return { form, notCited };
  if (!isRecord(post)) throw new Error(`${where}: expected post, link or notCited`);
  const expected: ExpectedPost = {};
  for (const field of ['id', 'handle', 'authorName', 'dateText'] as const) {
    const value = post[field];
    if (typeof value === 'string') expected[field] = value;
    else if (value !== undefined) throw new Error(`${where}: post.${field} must be a string`);
  }
  for (const field of ['date', 'text'] as const) {
    const value = post[field];
    if (typeof value === 'string' || value === null) expected[field] = value;
    else if (value !== undefined) throw new Error(`${where}: post.${field} must be a string or null`);
  }
  return { form, post: expected };
}

/** Per form: positives found of expected, or negatives left alone of listed. */
export interface FormRecall {
  form: string;
  negative: boolean;
  total: number;
  held: number;
}

export function recallByForm(checks: readonly FixtureCheck[]): FormRecall[] {
  const byForm = new Map<string, FormRecall>();
  for (const { checked } of checks) {
    for (const { expectation, held } of checked) {
      const row = byForm.get(expectation.form) ?? {
        form: expectation.form,
        negative: 'notCited' in expectation,
        total: 0,
        held: 0,
      };
      row.total++;
      if (held) row.held++;
      byForm.set(expectation.form, row);
    }
  }
  return [...byForm.values()].sort((a, b) => Number(a.negative) - Number(b.negative) || a.form.localeCompare(b.form));
}
