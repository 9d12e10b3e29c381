import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocumentRecord } from '../../src/model/index.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';
import { countResponseRecords } from '../support/warc-duplicates.js';

// Two `citesnap archive` processes on one data dir, no Redis (issue 8, item 8): a target
// both cite is checked by one of them while the other waits on its claim (a lock file in
// the data dir) and then reuses that check, so it is fetched and stored once (contract
// section 8: "a target captured once is not captured again for another document or run").

const POSTS = [
  { id: '1729555061938819317', handle: 'DGSN_MAROC', photo: 'GAB12cdXwAA3xyz' },
  { id: '1729555061938819318', handle: 'news_desk', photo: 'GAB12cdXwAA3xy2' },
];
const SHORT_LINKS = ['shared1', 'shared2', 'shared3'];

describe('two archive runs on one data dir', () => {
  let upstream: FakeUpstream;
  let work: string;

  beforeAll(async () => {
    // Every answer takes a while, so that the two runs' checks of one target overlap.
    upstream = await FakeUpstream.start({ latencyMs: 400 });
    for (const post of POSTS) {
      upstream.addPost({
        id: post.id,
        handle: post.handle,
        name: post.handle,
        text: `Post ${post.id}`,
        photos: [{ url: `https://pbs.twimg.com/media/${post.photo}.jpg`, width: 800, height: 600 }],
      });
    }
    for (const code of SHORT_LINKS) {
      upstream.addShortLink(code, `https://news.test/${code}`);
      upstream.addPage(`https://news.test/${code}`, {
        body: `<html><head><title>${code}</title></head><body>${code}</body></html>`,
        charset: 'utf-8',
      });
    }
    work = await mkdtemp(join(tmpdir(), 'citesnap-shared-data-dir-'));
  });

  afterAll(async () => {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  /** An article citing every shared target, and one link of its own. */
  async function article(name: string): Promise<string> {
    const path = join(work, `${name}.txt`);
    const cites = [
      ...POSTS.map((post) => `https://twitter.com/${post.handle}/status/${post.id}`),
      ...SHORT_LINKS.map((code) => `https://t.co/${code}`),
    ];
    await writeFile(path, `${name} cites:\n\n${cites.join('\n\n')}\n`);
    return path;
  }

  it('fetches and stores each shared target once, and both records reuse that capture', async () => {
    const dataDir = join(work, 'data');
    const env = { ...upstream.env, CITESNAP_DATA_DIR: dataDir };
    const [first, second] = await Promise.all([article('first'), article('second')]);

    const runs = await Promise.all([
      runCli(['archive', '--no-sidecar', first], { env }),
      runCli(['archive', '--no-sidecar', second], { env }),
    ]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }

    // Each URL asked once in all, by whichever run claimed its target first.
    const asked = upstream.requests.map((request) => `${request.host}${request.path}`);
    expect(asked.filter((url, index) => asked.indexOf(url) !== index)).toEqual([]);
    expect(asked.filter((url) => url.startsWith('t.co/'))).toHaveLength(SHORT_LINKS.length);

    // Each answer stored once in the WARC files, though two processes wrote files of their own.
    const stored = await countResponseRecords(dataDir);
    expect(stored.duplicated).toBe(0);
    expect(stored.responses).toBe(upstream.requests.length);
    expect((await readdir(join(dataDir, 'warc'))).length).toBeGreaterThanOrEqual(1);

    // Both documents point at the same captures.
    const records = await Promise.all(
      ['first', 'second'].map(
        async (docId) =>
          JSON.parse(await readFile(join(dataDir, 'documents', `${docId}.json`), 'utf8')) as DocumentRecord,
      ),
    );
    const captures = records.map((record) =>
      record.citations.map((citation) => [citation.id, citation.status, citation.capture?.warc]),
    );
    expect(captures[0]).toEqual(captures[1]);
    expect(captures[0]?.map(([, status]) => status)).toEqual(Array(5).fill('archived'));
  });
});
