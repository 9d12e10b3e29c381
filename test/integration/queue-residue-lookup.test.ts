import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Citation, DocumentRecord } from '../../src/model/index.js';
import { archiveJobOptions, JOB } from '../../workers/queues.js';
import { addExamplePosts, CITY_ID, DGSN_ID, SUDINFO_ID } from '../support/example-posts.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import {
  addResiduePosts,
  ALTERED,
  ARTICLE,
  DELETED,
  DELETED_TEXT,
  POLICE,
  RESIDUE_HANDLE_DAYS,
  RIGHT,
  SAME_DAY,
} from '../support/residue-posts.js';
import { WorkerFleet, type DocumentsFleet } from '../workers/support/fleet.js';
import type { TestProcess } from '../workers/support/processes.js';

// Issue 10's "Done when" through the queue: the example article as text and an article
// of residues, each quoted by two documents, archived by two worker processes; the
// outcomes are those of the CLI, and each handle and printed date is looked up in the
// CDX once in all.

const EXAMPLE = new URL('../../examples/casablanca-extortion-2023-11.txt', import.meta.url);
/** The example article's residues without a link to their post: sudinfo_be and city_bruxelles, one day each. */
const EXAMPLE_HANDLE_DAYS = 2;

describe('residues identified through the queue by two workers', () => {
  let fake: FakeUpstream;
  let fleet: DocumentsFleet;
  let workers: TestProcess[] = [];

  beforeAll(async () => {
    fake = await FakeUpstream.start({ latencyMs: 20 });
    addExamplePosts(fake);
    addResiduePosts(fake);
    fleet = await WorkerFleet.open({ queue: 'documents', connectTo: () => fake.routes });
    workers = [0, 1].map(() => fleet.startWorker({ concurrency: 2 }));
    await Promise.all(workers.map((worker) => worker.event('worker.started')));

    const example = await readFile(EXAMPLE, 'utf8');
    const documents: [string, string][] = [
      ['example', example],
      ['example-again', example],
      ['residues', ARTICLE],
      // The same account's day and the deleted post again, in another document.
      [
        'residues-again',
        `Quoted again.\n\n${SAME_DAY[RIGHT]} — DGSN (@${POLICE}) March 5, 2024\n\nAnd the bank.\n\n${DELETED_TEXT} — Town Bank (@townbank) January 10, 2024\n`,
      ],
    ];
    const jobs = await Promise.all(
      documents.map(([docId, text]) =>
        fleet.queue.add(
          JOB.archive,
          { docId, source: { text, uri: `file:///articles/${docId}.txt` } },
          archiveJobOptions(docId),
        ),
      ),
    );
    await Promise.all(jobs.map((job) => job.waitUntilFinished(fleet.events)));
  });

  afterAll(async () => {
    await fleet.close();
    await fake.close();
  });

  const byId = (record: DocumentRecord, id: string): Citation | undefined =>
    record.citations.find((citation) => citation.id === id);

  it('yields the example article three posts identified and archived, with how each was found and a verbatim quote', async () => {
    for (const docId of ['example', 'example-again']) {
      const posts = (await fleet.readRecord(docId)).citations.filter((citation) => citation.type === 'post');
      expect(
        posts.map((citation) => [
          citation.id,
          citation.status,
          citation.post?.identifiedBy,
          citation.post?.quote?.verdict,
        ]),
      ).toEqual([
        [`post:${DGSN_ID}`, 'archived', 'media-link', 'verbatim'],
        [`post:${SUDINFO_ID}`, 'archived', 'wayback-cdx', 'verbatim'],
        [`post:${CITY_ID}`, 'archived', 'wayback-cdx', 'verbatim'],
      ]);
    }
  });

  it('tells same-day posts apart by text, finds the deleted post in the Wayback Machine, and reads an altered quote as close', async () => {
    for (const docId of ['residues', 'residues-again']) {
      const record = await fleet.readRecord(docId);
      expect(byId(record, `post:${RIGHT}`)).toMatchObject({
        status: 'archived',
        post: { identifiedBy: 'wayback-cdx', quote: { verdict: 'verbatim' } },
      });
      expect(byId(record, `post:${DELETED}`)).toMatchObject({
        status: 'deleted',
        capture: { via: 'wayback' },
        post: { identifiedBy: 'wayback-cdx', text: DELETED_TEXT, quote: { verdict: 'verbatim' } },
      });
    }
    const residues = await fleet.readRecord('residues');
    expect(byId(residues, `post:${ALTERED}`)).toMatchObject({
      status: 'archived',
      post: { identifiedBy: 'wayback-cdx', quote: { verdict: 'close' } },
    });
    const unknown = residues.citations.find((citation) => citation.post?.embed?.handle === 'nobody_archived');
    expect(unknown).toMatchObject({ status: 'unidentified', post: { candidates: [] } });
    expect(unknown?.checks).toHaveLength(1);
    expect(unknown?.error?.message).toMatch(/^no-cdx-rows: /);
  });

  it('asks the CDX once for each handle and printed date in all, across the documents and both workers', () => {
    const asked = fake.requests
      .filter((request) => request.host === 'web.archive.org' && request.path.startsWith('/cdx/'))
      .map((request) => new URL(request.path, 'https://web.archive.org').searchParams.get('url') ?? '');
    expect(asked).toHaveLength(2 * (RESIDUE_HANDLE_DAYS + EXAMPLE_HANDLE_DAYS));
    expect(new Set(asked).size).toBe(asked.length);
    const done = workers.map((worker) => worker.lines().filter((line) => line.event === 'job.completed').length);
    expect(done[0]! + done[1]!).toBe(4);
    expect(Math.min(...done)).toBeGreaterThan(0);
  });
});
