import { spawn } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { DocumentRecord } from '../../src/model/index.js';
import { openWarcStore } from '../../src/warc-store/index.js';
import { addExamplePosts } from '../support/example-posts.js';
import { FakeUpstream } from '../support/fake-upstream/index.js';
import { BIN, runCli } from '../support/run-cli.js';
import { startLocalS3, type LocalS3 } from '../support/s3-server.js';
import { expectDigestsHold, readWacz } from '../support/wacz.js';
import { parseWarc } from '../support/warc-records.js';

const EXAMPLE_HTML = new URL('../../examples/casablanca-extortion-2023-11.html', import.meta.url);
const BUCKET = 'newsroom-warcs';
const PHOTO_POST_ID = '1740000000000000001';

let upstream: FakeUpstream;
let s3: LocalS3;
let work: string;

beforeAll(async () => {
  upstream = await FakeUpstream.start();
  addExamplePosts(upstream);
  upstream.addPost({
    id: PHOTO_POST_ID,
    handle: 'photo_desk',
    name: 'Photo Desk',
    text: 'A photo of the scene',
    photos: [{ url: 'https://pbs.twimg.com/media/GZZ99photoAA.jpg', width: 800, height: 600 }],
  });
  s3 = await startLocalS3([BUCKET]);
  work = await mkdtemp(join(tmpdir(), 'citesnap-warc-store-cli-'));
});

afterAll(async () => {
  await upstream.close();
  await s3.close();
  await rm(work, { recursive: true, force: true });
});

/** What the bucket holds under `prefix`, read as another machine would: through the store alone. */
async function storedNames(prefix: string): Promise<string[]> {
  const store = openWarcStore(loadConfig({ CITESNAP_WARC_STORE: `s3://${BUCKET}/${prefix}`, ...s3.env }).warcStore);
  try {
    return await store.list();
  } finally {
    await store.close();
  }
}

async function readRecord(dataDir: string, docId: string): Promise<DocumentRecord> {
  return JSON.parse(await readFile(join(dataDir, 'documents', `${docId}.json`), 'utf8')) as DocumentRecord;
}

function warcFilesOf(record: DocumentRecord): string[] {
  const files = new Set<string>();
  for (const citation of record.citations) {
    if (citation.capture) files.add(citation.capture.warc.file);
    for (const media of citation.post?.media ?? []) if (media.capture) files.add(media.capture.warc.file);
  }
  return [...files];
}

async function folderEntries(path: string): Promise<string[]> {
  return readdir(path).catch(() => []);
}

/** A machine that has only the records: a data dir of its own with the documents copied in, no WARC file. */
async function recordsOnlyDataDir(from: string, name: string): Promise<string> {
  const dataDir = join(work, name);
  await cp(join(from, 'documents'), join(dataDir, 'documents'), { recursive: true });
  return dataDir;
}

describe('CITESNAP_WARC_STORE=s3://bucket/prefix, through the CLI', () => {
  it('archives into the bucket, leaves no WARC file behind, and another data dir exports from the bucket', async () => {
    const dataDir = join(work, 'archiving-machine');
    const article = join(work, 'casablanca.html');
    await copyFile(EXAMPLE_HTML, article);
    const env = {
      ...upstream.env,
      ...s3.env,
      CITESNAP_DATA_DIR: dataDir,
      CITESNAP_WARC_STORE: `s3://${BUCKET}/archive/2026`,
    };
    const archived = await runCli(['archive', article], { env });
    expect(archived.stderr).toBe('');
    expect(archived.code).toBe(0);

    const record = await readRecord(dataDir, 'casablanca');
    expect(record.citations.filter((citation) => citation.status === 'archived').length).toBeGreaterThan(0);
    // Records name their files as they always did, warc/<name>: the name in the store.
    const files = warcFilesOf(record);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(/^warc\/citesnap-[^/]+\.warc\.gz$/);
    const stored = await storedNames('archive/2026');
    expect(stored).toEqual(expect.arrayContaining(files.map((file) => file.slice('warc/'.length))));
    // Nothing stays on this machine: no warc folder, an empty outbox.
    expect(await folderEntries(join(dataDir, 'warc'))).toEqual([]);
    expect(await folderEntries(join(dataDir, 'warc-outbox'))).toEqual([]);

    // Another process with another data dir (another machine) that has the records and the bucket only.
    const otherDataDir = await recordsOnlyDataDir(dataDir, 'exporting-machine');
    const out = join(work, 'casablanca-from-s3.wacz');
    const exported = await runCli(['export', 'casablanca', '--out', out], {
      env: { ...s3.env, CITESNAP_DATA_DIR: otherDataDir, CITESNAP_WARC_STORE: `s3://${BUCKET}/archive/2026` },
    });
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/casablanca-from-s3\.wacz: 6 pages, \d+ WARC records\n$/);
    const entries = await readWacz(await readFile(out));
    expectDigestsHold(entries);
    const archivedWarcs = [...entries.keys()].filter((name) => name.startsWith('archive/'));
    expect(archivedWarcs.map((name) => name.slice('archive/'.length)).sort()).toEqual(
      files.map((file) => file.slice('warc/'.length)).sort(),
    );
  }, 120_000);

  it('puts a killed process’s unstored file in the bucket at the next start, and the record points into it', async () => {
    const dataDir = join(work, 'killed-machine');
    const article = join(work, 'photo.html');
    await writeFile(article, `<p><a href="https://twitter.com/photo_desk/status/${PHOTO_POST_ID}">the photo</a></p>`);
    const prefix = 'killed';
    const env = {
      ...upstream.env,
      ...s3.env,
      CITESNAP_DATA_DIR: dataDir,
      CITESNAP_WARC_STORE: `s3://${BUCKET}/${prefix}`,
    };

    // The photo's host answers nothing: the post's own capture is written and the check waits on the photo.
    const silent = await startSilentServer();
    const child = spawn(process.execPath, [BIN, 'archive', article], {
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        CITESNAP_CONNECT_TO: `pbs.twimg.com:443:127.0.0.1:${silent.port},${upstream.routes}`,
      },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await silent.connected;
    child.kill('SIGKILL');
    await exited;
    await silent.close();

    // Killed before the file was closed: it is in the outbox only, with the post's capture in it.
    const [leftover, ...others] = await folderEntries(join(dataDir, 'warc-outbox'));
    expect(others).toEqual([]);
    expect(leftover).toMatch(/^citesnap-.*\.warc\.gz$/);
    const leftoverRecords = await parseWarc(await readFile(join(dataDir, 'warc-outbox', leftover ?? '')));
    expect(
      leftoverRecords.some(
        (record) =>
          record.type === 'response' && record.warcHeaders.get('WARC-Target-URI')?.includes('cdn.syndication') === true,
      ),
    ).toBe(true);
    expect(await storedNames(prefix)).toEqual([]);
    const syndicationAsked = upstream.requests.filter((request) => request.host === 'cdn.syndication.twimg.com').length;

    // The next start on this machine: the leftover goes up under its own name, and the
    // check taken up from its journal reuses the answer in it instead of asking again.
    const rerun = await runCli(['archive', article], { env });
    expect(rerun.stderr).toBe('');
    expect(rerun.code).toBe(0);
    const record = await readRecord(dataDir, 'photo');
    const citation = record.citations.find((candidate) => candidate.post?.id === PHOTO_POST_ID);
    expect(citation?.status).toBe('archived');
    expect(citation?.capture?.warc.file).toBe(`warc/${leftover}`);
    expect(citation?.post?.media[0]?.capture).toBeDefined();
    expect(upstream.requests.filter((request) => request.host === 'cdn.syndication.twimg.com').length).toBe(
      syndicationAsked,
    );
    const stored = await storedNames(prefix);
    expect(stored).toContain(leftover);
    expect(stored).toEqual(expect.arrayContaining(warcFilesOf(record).map((file) => file.slice('warc/'.length))));
    // Once each: the leftover was not stored again under a name of the new process.
    expect(stored).toHaveLength(new Set(stored).size);
    expect(await folderEntries(join(dataDir, 'warc-outbox'))).toEqual([]);

    // And a machine with the records alone exports the post and its photo from the bucket.
    const otherDataDir = await recordsOnlyDataDir(dataDir, 'killed-export');
    const out = join(work, 'photo.wacz');
    const exported = await runCli(['export', 'photo', '--out', out], {
      env: { ...s3.env, CITESNAP_DATA_DIR: otherDataDir, CITESNAP_WARC_STORE: `s3://${BUCKET}/${prefix}` },
    });
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toMatch(/photo\.wacz: 2 pages, \d+ WARC records\n$/);
    expectDigestsHold(await readWacz(await readFile(out)));
  }, 120_000);

  it('refuses a bad store URL or a missing bucket as bad configuration (exit 2), before fetching anything', async () => {
    const article = join(work, 'casablanca.html');
    const requestsBefore = upstream.requests.length;
    for (const [store, message] of [
      [
        's3://Not_A_Bucket/x',
        /^citesnap: CITESNAP_WARC_STORE: expected a folder or s3:\/\/bucket\/prefix, got "s3:\/\/Not_A_Bucket\/x" \(bucket/,
      ],
      [
        'ftp://files.example.com/warc',
        /^citesnap: CITESNAP_WARC_STORE: expected a folder or s3:\/\/bucket\/prefix, got "ftp:\/\/files\.example\.com\/warc" \(unsupported scheme\)/,
      ],
      ['s3://newsroom-warcs/a/../b', /^citesnap: CITESNAP_WARC_STORE: .*the prefix has an empty, \. or \.\. part/],
      [
        's3://no-such-bucket/archive',
        /^citesnap: CITESNAP_WARC_STORE: s3:\/\/no-such-bucket\/archive at http:\/\/127\.0\.0\.1:\d+: no such bucket "no-such-bucket"/,
      ],
    ] as const) {
      const env = {
        ...upstream.env,
        ...s3.env,
        CITESNAP_DATA_DIR: join(work, 'misconfigured'),
        CITESNAP_WARC_STORE: store,
      };
      const archived = await runCli(['archive', article], { env });
      expect(archived.code, store).toBe(2);
      expect(archived.stderr, store).toMatch(message);
      expect(archived.stderr.trimEnd().split('\n'), store).toHaveLength(1);
    }
    const exported = await runCli(['export', 'casablanca'], {
      env: { CITESNAP_DATA_DIR: join(work, 'archiving-machine'), CITESNAP_WARC_STORE: 's3://x' },
    });
    expect(exported.code).toBe(2);
    expect(exported.stderr).toMatch(/^citesnap: CITESNAP_WARC_STORE: /);
    expect(upstream.requests.length).toBe(requestsBefore);
  }, 60_000);
});

describe('CITESNAP_WARC_STORE=<folder>, through the CLI', () => {
  it('writes the WARC files into that folder in place, and another data dir exports from it', async () => {
    const dataDir = join(work, 'folder-machine');
    const shared = join(work, 'shared-warc-folder');
    await mkdir(shared);
    const article = join(work, 'photo-folder.html');
    await writeFile(article, `<p><a href="https://twitter.com/photo_desk/status/${PHOTO_POST_ID}">the photo</a></p>`);
    const env = { ...upstream.env, CITESNAP_DATA_DIR: dataDir, CITESNAP_WARC_STORE: shared };
    const archived = await runCli(['archive', article], { env });
    expect(archived.stderr).toBe('');
    expect(archived.code).toBe(0);
    const record = await readRecord(dataDir, 'photo-folder');
    const names = warcFilesOf(record).map((file) => file.slice('warc/'.length));
    expect(names.length).toBeGreaterThan(0);
    expect(await folderEntries(shared)).toEqual(expect.arrayContaining(names));
    expect(await folderEntries(join(dataDir, 'warc'))).toEqual([]);
    expect(await folderEntries(join(dataDir, 'warc-outbox'))).toEqual([]);

    const otherDataDir = await recordsOnlyDataDir(dataDir, 'folder-export');
    const out = join(work, 'photo-folder.wacz');
    const exported = await runCli(['export', 'photo-folder', '--out', out], {
      env: { CITESNAP_DATA_DIR: otherDataDir, CITESNAP_WARC_STORE: shared },
    });
    expect(exported.stderr).toBe('');
    expect(exported.stdout).toMatch(/photo-folder\.wacz: 2 pages, \d+ WARC records\n$/);
  }, 60_000);
});

/** A TCP server that takes connections and never answers: a host that hangs. */
async function startSilentServer(): Promise<{ port: number; connected: Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let onConnection: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (onConnection = resolve));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    connected,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
