import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Citation, DocumentRecord } from '../../src/model/index.js';
import { NO_HANDLE_MESSAGE } from '../../src/record/build-citation.js';
import { FakeUpstream, snowflakeIdAt } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';

// Contract 6a with section 10, from the command line: residues that stayed unidentified
// because the Wayback Machine had no copy yet are looked up again by a recheck by
// target (`citesnap recheck` without --doc-id), once a handle and printed date a run,
// and are identified once a copy has appeared and the earlier lookup is past the
// refresh window.

const HANDLE = 'late_archived';
const FIRST = snowflakeIdAt('2024-03-05T09:15:00Z', 1);
const SECOND = snowflakeIdAt('2024-03-05T17:40:00Z', 2);
const FIRST_TEXT = 'The ferry to the islands will not sail on Thursday because of the storm warning.';
const SECOND_TEXT = 'Ferries sail again from Friday morning; tickets for Thursday stay valid all week.';

const residue = (text: string, handle: string) => `${text} — Port Authority (@${handle}) March 5, 2024`;

describe('a recheck by target looks unidentified residues up again', () => {
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    // Both posts are public, but the Wayback Machine has no copy of either yet: the CDX knows nothing of the account.
    upstream.addPost({ id: FIRST, handle: HANDLE, name: 'Port Authority', text: FIRST_TEXT });
    upstream.addPost({ id: SECOND, handle: HANDLE, name: 'Port Authority', text: SECOND_TEXT });
    work = await mkdtemp(join(tmpdir(), 'citesnap-residue-recheck-'));
    env = { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data') };
    // Two documents, each quoting a different post of the same account and day.
    await writeFile(join(work, 'ferry-off.txt'), `The storm closed the port.\n\n${residue(FIRST_TEXT, HANDLE)}\n`);
    await writeFile(join(work, 'ferry-on.txt'), `Service resumed.\n\n${residue(SECOND_TEXT, HANDLE)}\n`);
    // An embed that names no account and holds no link, and a residue of an account the CDX does not know.
    await writeFile(
      join(work, 'nothing-to-ask.html'),
      `<p>Two posts nobody can find.</p>
<blockquote class="twitter-tweet"><p lang="en">A post quoted without its author or any link.</p></blockquote>
<p>${residue('A post that no archive ever kept, in any form at all.', 'nobody_archived')}</p>`,
    );
  });

  afterAll(async () => {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  async function readRecord(docId: string): Promise<DocumentRecord> {
    return JSON.parse(await readFile(join(work, 'data', 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;
  }

  /** The CDX requests made since `mark`, by the URL they asked about, its status part cut. */
  function cdxAskedSince(mark: number): string[] {
    return upstream.requests
      .slice(mark)
      .filter((request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'))
      .map(
        (request) =>
          new URL(request.path, 'https://web.archive.org').searchParams.get('url')?.replace(/\/status\/.*/, '') ?? '',
      )
      .sort();
  }

  const onlyPost = (record: DocumentRecord): Citation => {
    const posts = record.citations.filter((citation) => citation.type === 'post');
    expect(posts).toHaveLength(1);
    return posts[0]!;
  };

  it('archives them unidentified, each with a check that says why, and one CDX lookup for the shared handle and date', async () => {
    const files = ['ferry-off.txt', 'ferry-on.txt', 'nothing-to-ask.html'].map((name) => join(work, name));
    const result = await runCli(['archive', '--no-sidecar', ...files], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(cdxAskedSince(0)).toEqual([
      `twitter.com/${HANDLE}`,
      'twitter.com/nobody_archived',
      `x.com/${HANDLE}`,
      'x.com/nobody_archived',
    ]);
    for (const docId of ['ferry-off', 'ferry-on']) {
      const citation = onlyPost(await readRecord(docId));
      expect(citation).toMatchObject({ status: 'unidentified', post: { candidates: [] } });
      expect(citation.error?.message).toMatch(/^no-cdx-rows: /);
      expect(citation.checks.map((check) => check.status)).toEqual(['unidentified']);
    }
    // Issue 8 item 10: every citation has at least one check, an embed with nothing to ask too.
    const nothing = await readRecord('nothing-to-ask');
    expect(nothing.citations.map((citation) => [citation.status, citation.checks.length])).toEqual([
      ['unidentified', 1],
      ['unidentified', 1],
    ]);
    const [noHandle, unknownAccount] = nothing.citations;
    expect(noHandle?.post?.embed?.handle).toBeUndefined();
    expect(noHandle?.error?.message).toBe(NO_HANDLE_MESSAGE);
    // Looked at while the document was archived.
    expect(Date.parse(noHandle?.checks[0]?.at ?? '')).toBeLessThanOrEqual(Date.parse(nothing.processedAt));
    expect(unknownAccount?.post).toMatchObject({ embed: { handle: 'nobody_archived' }, candidates: [] });
    expect(unknownAccount?.error?.message).toMatch(/^no-cdx-rows: /);
  });

  it('archiving a document again adds no check to an embed with nothing to ask', async () => {
    const before = await readRecord('nothing-to-ask');
    const again = await runCli(['archive', '--no-sidecar', join(work, 'nothing-to-ask.html')], { env });
    expect(again.code).toBe(0);
    const after = await readRecord('nothing-to-ask');
    expect(after.citations.map((citation) => citation.checks)).toEqual(
      before.citations.map((citation) => citation.checks),
    );
  });

  it('reuses the lookups within the refresh window: a recheck right after asks the CDX nothing', async () => {
    upstream.addWaybackCopy(FIRST, { timestamp: '20240312000000' });
    upstream.addWaybackCopy(SECOND, { timestamp: '20240312000000', form: 'twitter.com json' });
    const mark = upstream.requests.length;
    const result = await runCli(['recheck', '--older-than', '0s'], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nrechecked 4 targets: 4 citations in 3 documents\n$/);
    expect(cdxAskedSince(mark)).toEqual([]);
    expect(onlyPost(await readRecord('ferry-off')).status).toBe('unidentified');
  });

  it('past the refresh window, identifies and archives both posts, asking the CDX once for their handle and date', async () => {
    const mark = upstream.requests.length;
    // A refresh window of 0: no earlier lookup is reused, as a day later with the default.
    const result = await runCli(['recheck', '--older-than', '0s'], { env: { ...env, CITESNAP_REFRESH_AFTER: '0s' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nrechecked 4 targets: 4 citations in 3 documents\n$/);
    expect(cdxAskedSince(mark)).toEqual([
      `twitter.com/${HANDLE}`,
      'twitter.com/nobody_archived',
      `x.com/${HANDLE}`,
      'x.com/nobody_archived',
    ]);

    for (const [docId, id] of [
      ['ferry-off', FIRST],
      ['ferry-on', SECOND],
    ] as const) {
      const citation = onlyPost(await readRecord(docId));
      expect(citation).toMatchObject({
        id: `post:${id}`,
        status: 'archived',
        capture: { via: 'syndication' },
        post: { id, handle: HANDLE, identifiedBy: 'wayback-cdx', quote: { verdict: 'verbatim', similarity: 1 } },
      });
      expect(citation.post?.candidates).toBeUndefined();
      expect(citation.error).toBeUndefined();
      // Its history is kept: the lookup that found nothing, then the capture.
      expect(citation.checks.map((check) => check.status)).toEqual(['unidentified', 'archived']);
    }
    // What cannot be found stays unidentified with a new check: a look at the embed with
    // nothing to ask at every recheck, a lookup for the unknown account past the window.
    const nothing = await readRecord('nothing-to-ask');
    expect(nothing.citations.map((citation) => [citation.status, citation.checks.length])).toEqual([
      ['unidentified', 3],
      ['unidentified', 2],
    ]);

    const changes = await runCli(['changes', '--since', '1h', '--json'], { env });
    expect(changes.stderr).toBe('');
    expect(changes.code).toBe(0);
    const listed = changes.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map(({ docId, citationId, url, from, to }) => ({ docId, citationId, url, from, to }))
      .sort((a, b) => String(a.docId).localeCompare(String(b.docId)));
    expect(listed).toEqual([
      {
        docId: 'ferry-off',
        citationId: `post:${FIRST}`,
        url: `https://x.com/${HANDLE}/status/${FIRST}`,
        from: 'unidentified',
        to: 'archived',
      },
      {
        docId: 'ferry-on',
        citationId: `post:${SECOND}`,
        url: `https://x.com/${HANDLE}/status/${SECOND}`,
        from: 'unidentified',
        to: 'archived',
      },
    ]);
  });

  it('leaves the identified posts to the schedule: the next recheck asks about them as posts, not in the CDX', async () => {
    const mark = upstream.requests.length;
    const result = await runCli(['recheck', '--older-than', '0s'], { env: { ...env, CITESNAP_REFRESH_AFTER: '0s' } });
    expect(result.code).toBe(0);
    expect(cdxAskedSince(mark)).toEqual(['twitter.com/nobody_archived', 'x.com/nobody_archived']);
    expect(onlyPost(await readRecord('ferry-off')).checks.map((check) => check.status)).toEqual([
      'unidentified',
      'archived',
      'archived',
    ]);
  });
});
