// A link's redirect hops written to other WARC files than its page's capture (a file
// rolled between them): the export finds them there, and only in files written while
// the check ran.
import { copyFile, mkdtemp, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarcWriter } from '../../src/capture/warc-writer.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { addExamplePosts } from '../support/example-posts.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { runCli } from '../support/run-cli.js';
import { listWarcFiles, parseWarc, readWarcFile, textExchange, type ParsedRecord } from '../support/warc-records.js';
import { readWacz } from '../support/wacz.js';

const EXAMPLE_HTML = new URL('../../examples/casablanca-extortion-2023-11.html', import.meta.url);
const HOPS = ['https://t.co/Q558GooFYF', 'https://t.co/KNbFdafcns', 'https://t.co/rdI6rg3QRE'];
/** The hop moved out of the check's time in the second export. */
const MOVED_HOP = 'https://t.co/Q558GooFYF';

/** Each WARC file of the WACZ and the records it holds. */
async function exportedArchives(waczPath: string): Promise<Map<string, ParsedRecord[]>> {
  const archives = new Map<string, ParsedRecord[]>();
  for (const [name, entry] of await readWacz(await readFile(waczPath)))
    if (name.startsWith('archive/')) archives.set(name, await parseWarc(entry.bytes));
  return archives;
}

function responseUrls(records: readonly ParsedRecord[]): string[] {
  return records
    .filter((record) => record.type === 'response')
    .map((record) => record.warcHeaders.get('WARC-Target-URI') ?? '');
}

describe('citesnap export: redirect hops in earlier WARC files than the capture', () => {
  let upstream: FakeUpstream;
  let work: string;
  let env: Record<string, string>;
  let record: DocumentRecord;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    addExamplePosts(upstream);
    work = await mkdtemp(join(tmpdir(), 'citesnap-export-hops-'));
    // A file rolls before every exchange: each hop and each capture has a file of its own.
    env = { ...upstream.env, CITESNAP_DATA_DIR: join(work, 'data'), CITESNAP_WARC_ROLL_BYTES: '1' };
    const article = join(work, 'casablanca.html');
    await copyFile(EXAMPLE_HTML, article);
    const archived = await runCli(['archive', article], { env });
    expect(archived.code, archived.stderr).toBe(0);
    record = JSON.parse(await readFile(join(work, 'data', 'documents', 'casablanca.json'), 'utf8')) as DocumentRecord;
  }, 120_000);

  afterAll(async () => {
    await upstream.close();
  });

  it('exports each hop from its own file, beside the capture it led to', async () => {
    const captureFiles = new Set(
      record.citations.flatMap((citation) => (citation.capture ? [citation.capture.warc.file] : [])),
    );
    const exported = await runCli(['export', 'casablanca', '--out', join(work, 'rolled.wacz')], { env });
    expect(exported.code, exported.stderr).toBe(0);
    const archives = await exportedArchives(join(work, 'rolled.wacz'));
    for (const hop of HOPS) {
      const holding = [...archives].filter(([, records]) => responseUrls(records).includes(hop));
      expect(holding, hop).toHaveLength(1);
      const [name, records] = holding[0] ?? ['', []];
      // The hop's file is not a capture's: before the fix, export never looked there.
      expect(captureFiles.has(`warc/${name.slice('archive/'.length)}`), hop).toBe(false);
      // Its request travels with it.
      expect(records.filter((stored) => stored.type === 'request').length, hop).toBe(1);
    }
  }, 60_000);

  it('does not take a hop from a file opened before the check or after the capture', async () => {
    const warcDir = join(work, 'data', 'warc');
    let hopFile: string | undefined;
    for (const name of await listWarcFiles(join(work, 'data')))
      if (responseUrls(await parseWarc(await readWarcFile(join(work, 'data'), name))).includes(MOVED_HOP))
        hopFile = name;
    expect(hopFile).toBeDefined();
    // The hop's file, renamed as if a writer had opened it long before the check; that
    // writer opened another (unrelated) file later, still before the check, so the first
    // was not the one open when the check began. A copy also sits in a file opened
    // after every capture.
    await rename(join(warcDir, hopFile ?? ''), join(warcDir, 'citesnap-20000101000000000-elsewhere-7-00001.warc.gz'));
    await copyFile(
      join(warcDir, 'citesnap-20000101000000000-elsewhere-7-00001.warc.gz'),
      join(warcDir, 'citesnap-20990101000000000-later-8-00001.warc.gz'),
    );
    const unrelated = await mkdtemp(join(tmpdir(), 'citesnap-export-hops-unrelated-'));
    const writer = new WarcWriter({ dataDir: unrelated, now: () => new Date('2000-01-02T00:00:00.000Z') });
    await writer.writeExchange(textExchange('https://unrelated.example/', 'nothing to do with the article'));
    await writer.close();
    const [unrelatedFile] = await listWarcFiles(unrelated);
    await copyFile(
      join(unrelated, 'warc', unrelatedFile ?? ''),
      join(warcDir, 'citesnap-20000102000000000-elsewhere-7-00002.warc.gz'),
    );

    const exported = await runCli(['export', 'casablanca', '--out', join(work, 'moved.wacz')], { env });
    expect(exported.code, exported.stderr).toBe(0);
    const urls = [...(await exportedArchives(join(work, 'moved.wacz'))).values()].flatMap(responseUrls);
    expect(urls).not.toContain(MOVED_HOP);
    expect(urls).not.toContain('https://unrelated.example/');
    expect(urls).toEqual(expect.arrayContaining(HOPS.filter((hop) => hop !== MOVED_HOP)));
  }, 60_000);
});
