// Every fixture against what it cites, form by form (test/fixtures/forms/expected.json):
// the positives found with their handle, printed name and date, the negatives
// (prose mentions, profile links, "via @x", template URLs) left alone, and no
// post citation that nobody expected. bench/recall.ts prints the same as a table.
import { describe, expect, it } from 'vitest';
import { checkFixture, readExpectations, readFixtureSources, recallByForm } from '../support/extract-forms.js';

const fixtures = readFixtureSources();
const expectations = readExpectations();

describe.each(fixtures)('$name', (fixture) => {
  it('has its expectations written down', () => {
    expect(expectations.get(fixture.name)?.length ?? 0).toBeGreaterThan(0);
  });

  it('finds every expected citation, cites none of the negatives, and nothing unexpected', () => {
    const check = checkFixture(fixture, expectations.get(fixture.name) ?? []);
    expect(check.checked.filter((entry) => !entry.held).map((entry) => entry.expectation)).toEqual([]);
    expect(check.unexpectedPosts.map((citation) => citation.id)).toEqual([]);
  });
});

describe('the expectations', () => {
  it('name only fixtures that exist, and cover every new form', () => {
    expect([...expectations.keys()].sort()).toEqual(fixtures.map((fixture) => fixture.name));
    const forms = recallByForm(
      fixtures.map((fixture) => checkFixture(fixture, expectations.get(fixture.name) ?? [])),
    ).map((row) => row.form);
    expect(forms).toEqual(
      expect.arrayContaining([
        'markdown quote residue',
        'post URL, long handle',
        'embed, undeclared UTF-8',
        'embed, date in another language',
        'residue, date in another language',
        'residue, unreadable date',
        'not cited: prose',
        'not cited: profile link',
        'not cited: template URL',
      ]),
    );
  });

  it('fail where the extractor misses: names and dates garbled by the wrong charset are not found', () => {
    const page = fixtures.find((fixture) => fixture.name === 'undeclared-utf8.html');
    expect(page).toBeDefined();
    if (page === undefined) return;
    // What the page read as before: its UTF-8 bytes decoded one byte a character.
    const garbled = { ...page, source: Buffer.from(page.source, 'utf8').toString('latin1') };
    const check = checkFixture(garbled, expectations.get(page.name) ?? []);
    expect(check.checked.filter((entry) => !entry.held).map((entry) => entry.expectation.form)).toEqual([
      'embed, undeclared UTF-8',
      'embed, undeclared UTF-8',
      'residue in HTML text',
    ]);
  });
});
