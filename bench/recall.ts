// Recall by form over every extraction fixture (test/fixtures/extract/), against
// what each one cites (test/fixtures/forms/expected.json): positives found with
// their id, handle, printed name, date and (where given) passage text as expected;
// negatives (prose, profile links, "via @x", template URLs) left uncited; post
// citations nobody expected. One column per kind of source (text, markdown, HTML),
// since a form is read by a different reader in each.
//
//   node --import tsx bench/recall.ts      (npm run bench:recall)
import {
  checkFixture,
  readExpectations,
  readFixtureSources,
  recallByForm,
  type FixtureCheck,
  type FormRecall,
} from '../test/support/extract-forms.js';

const fixtures = readFixtureSources();
const expectations = readExpectations();
const checks = fixtures.map((fixture) => checkFixture(fixture, expectations.get(fixture.name) ?? []));
const rows = recallByForm(checks);

const KINDS = [
  { name: 'text', test: (fixture: string) => fixture.endsWith('.txt') },
  { name: 'markdown', test: (fixture: string) => fixture.endsWith('.md') },
  { name: 'HTML', test: (fixture: string) => fixture.endsWith('.html') },
];
const rowsByKind = KINDS.map((kind) => {
  const byForm = new Map<string, FormRecall>();
  for (const row of recallByForm(checks.filter((check: FixtureCheck) => kind.test(check.fixture))))
    byForm.set(row.form, row);
  return byForm;
});
const cell = (row: FormRecall | undefined): string => (row === undefined ? '' : `${row.held} of ${row.total}`);

const formWidth = Math.max(...rows.map((row) => row.form.length), 'form'.length);
console.log(`${fixtures.length} fixtures, ${rows.reduce((sum, row) => sum + row.total, 0)} expectations\n`);
console.log(`| ${'form'.padEnd(formWidth)} | ${KINDS.map((kind) => kind.name).join(' | ')} | all | recall |`);
console.log(`| ${'-'.repeat(formWidth)} |${' ---: |'.repeat(KINDS.length + 2)}`);
for (const row of rows) {
  const byKind = rowsByKind.map((byForm) => cell(byForm.get(row.form)));
  console.log(
    `| ${row.form.padEnd(formWidth)} | ${byKind.join(' | ')} | ${cell(row)} | ${(row.held / row.total).toFixed(2)} |`,
  );
}
const positives = rows.filter((row) => !row.negative);
const negatives = rows.filter((row) => row.negative);
const sum = (list: typeof rows, key: 'held' | 'total'): number => list.reduce((total, row) => total + row[key], 0);
console.log(`\npositives found: ${sum(positives, 'held')} of ${sum(positives, 'total')}`);
console.log(`negatives left uncited: ${sum(negatives, 'held')} of ${sum(negatives, 'total')}`);
const unexpected = checks.flatMap((check) =>
  check.unexpectedPosts.map((citation) => `${check.fixture}: ${citation.id}`),
);
console.log(
  `post citations nobody expected: ${unexpected.length}${unexpected.length === 0 ? '' : `\n  ${unexpected.join('\n  ')}`}`,
);
for (const check of checks) {
  for (const entry of check.checked.filter((checked) => !checked.held))
    console.log(`  missed in ${check.fixture}: ${JSON.stringify(entry.expectation)}`);
}
