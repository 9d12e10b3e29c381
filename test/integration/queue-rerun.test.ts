import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { countResponseRecords } from '../support/warc-duplicates.js';
import { archiveJobOptions, JOB } from '../../workers/queues.js';
import { ArticleServer } from '../workers/support/article-server.js';
import { WorkerFleet, type DocumentsFleet } from '../workers/support/fleet.js';

// A job whose worker was SIGKILLed half-way through a check runs again elsewhere: what
// the killed run had already stored in a WARC file, redirects included, is reused,
// never fetched and stored a second time (contract section 9).

describe('a job run again after its worker was killed mid-check', () => {
  let site: ArticleServer;
  let fake: FakeUpstream;
  let fleet: DocumentsFleet;

  beforeAll(async () => {
    site = await ArticleServer.start();
    fake = await FakeUpstream.start();
  });

  afterAll(async () => {
    await site.close();
    await fake.close();
  });

  beforeEach(async () => {
    fleet = await WorkerFleet.open({
      queue: 'documents',
      connectTo: () => `${fake.routes},${site.route('site.news.test')}`,
    });
  });

  afterEach(async () => {
    await fleet.close();
    site.releaseAll();
    fake.reset();
  });

  it('does not store the t.co redirect a second time: the rerun replays it from the WARC file', async () => {
    fake.addShortLink('slow', 'http://site.news.test/held');
    const doomed = fleet.startWorker();
    await doomed.event('worker.started');
    site.holding = true;
    const held = site.nextRequest();
    const job = await fleet.queue.add(
      JOB.archive,
      { docId: 'killed', source: { html: '<p>See https://t.co/slow</p>' } },
      archiveJobOptions('killed'),
    );
    // The redirect is answered and stored; the page it leads to hangs. Kill the worker there.
    expect(await held).toBe('/held');
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    site.releaseAll();
    fleet.startWorker();
    await job.waitUntilFinished(fleet.events);
    const record = await fleet.readRecord('killed');
    expect(record.citations.map((citation) => [citation.id, citation.status])).toEqual([['tco:slow', 'archived']]);
    expect(record.citations[0]?.link?.hops.map((hop) => [hop.url, hop.status])).toEqual([
      ['https://t.co/slow', 301],
      ['http://site.news.test/held', 200],
    ]);
    // t.co was asked once, by the killed worker; its answer is in the WARC files once.
    expect(fake.requests.filter((request) => request.host === 't.co' && request.path === '/slow')).toHaveLength(1);
    const stored = await countResponseRecords(fleet.dataDir);
    expect(stored).toEqual({ responses: 2, duplicated: 0, duplicates: [] });
  });
});
