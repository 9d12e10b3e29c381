import { randomBytes } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { WARCParser } from 'warcio';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readResponseRecord } from '../../src/capture/warc-reader.js';
import { WarcWriter, type WarcExchange } from '../../src/capture/warc-writer.js';
import {
  expectDigestsMatch,
  listWarcFiles,
  makeTempDataDir,
  parseWarc,
  readWarcFile,
  sequentialRecordIds,
  sha256Hex,
  textExchange,
} from '../support/warc-records.js';

let dataDir: string;
let removeDataDir: () => Promise<void>;

beforeEach(async () => {
  ({ dataDir, remove: removeDataDir } = await makeTempDataDir());
});

afterEach(async () => {
  vi.restoreAllMocks();
  await removeDataDir();
});

const crlfLines = (...lines: string[]): string => lines.join('\r\n');

describe('WarcWriter', () => {
  it('writes warcinfo, request and response records byte for byte, each its own gzip member', async () => {
    const writer = new WarcWriter({
      dataDir,
      software: 'citesnap/9.9.9',
      now: () => new Date('2024-05-01T12:34:56.789Z'),
      newRecordId: sequentialRecordIds(),
    });
    const exchange: WarcExchange = {
      url: 'https://example.com/status/20?lang=en#reply',
      date: new Date('2024-05-01T12:34:50.123Z'),
      remoteAddress: '93.184.215.14',
      request: {
        method: 'GET',
        httpVersion: '1.1',
        headers: [
          ['Host', 'example.com'],
          ['User-Agent', 'citesnap-test'],
          ['Accept', '*/*'],
        ],
      },
      response: {
        status: 200,
        statusText: 'OK',
        httpVersion: '1.1',
        headers: [
          ['Content-Type', 'text/html; charset=utf-8'],
          ['Content-Length', '13'],
          ['Set-Cookie', 'a=1'],
          ['Vary', 'Accept'],
          ['Set-Cookie', 'b=2'],
        ],
        body: Buffer.from('Hello, world!'),
        truncated: false,
      },
    };

    const written = await writer.writeExchange(exchange);
    await writer.close();

    expect(written.response.file).toMatch(
      new RegExp(`^warc/citesnap-20240501123456789-[A-Za-z0-9._-]+-${process.pid}-00000\\.warc\\.gz$`),
    );
    const fileName = written.response.file.slice('warc/'.length);
    const warcinfoBlock = crlfLines(
      'software: citesnap/9.9.9',
      'format: WARC File Format 1.1',
      'conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/',
      `hostname: ${hostname()}`,
      `pid: ${process.pid}`,
      '',
    );
    const expectedWarcinfo = crlfLines(
      'WARC/1.1',
      'WARC-Type: warcinfo',
      // The exchange asked for its two ids before the file (and its warcinfo) existed.
      'WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000003>',
      'WARC-Date: 2024-05-01T12:34:56.789Z',
      `WARC-Filename: ${fileName}`,
      'Content-Type: application/warc-fields',
      `Content-Length: ${Buffer.byteLength(warcinfoBlock)}`,
      '',
      warcinfoBlock + '\r\n\r\n',
    );
    // Lengths and digests worked out with printf | wc -c and sha256sum.
    const expectedRequest = crlfLines(
      'WARC/1.1',
      'WARC-Type: request',
      'WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>',
      'WARC-Date: 2024-05-01T12:34:50.123Z',
      'WARC-Target-URI: https://example.com/status/20?lang=en',
      'WARC-IP-Address: 93.184.215.14',
      'WARC-Concurrent-To: <urn:uuid:00000000-0000-4000-8000-000000000002>',
      'WARC-Block-Digest: sha256:0be73a1ecc5b2251a92913c6a117d7b70d424f0f89e59c1f1ea5ed08ace62bfb',
      'Content-Type: application/http;msgtype=request',
      'Content-Length: 94',
      '',
      'GET /status/20?lang=en HTTP/1.1',
      'Host: example.com',
      'User-Agent: citesnap-test',
      'Accept: */*',
      '',
      '',
      '',
      '',
    );
    const expectedResponse = crlfLines(
      'WARC/1.1',
      'WARC-Type: response',
      'WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000002>',
      'WARC-Date: 2024-05-01T12:34:50.123Z',
      'WARC-Target-URI: https://example.com/status/20?lang=en',
      'WARC-IP-Address: 93.184.215.14',
      'WARC-Block-Digest: sha256:8f94a6c6cb8df7942793ecdf6cdc3beda483a776957021bea3ad73f6fb98289f',
      'WARC-Payload-Digest: sha256:315f5bdb76d078c43b8ac0064e4a0164612b1fce77c869345bfc94c75894edd3',
      'Content-Type: application/http;msgtype=response',
      'Content-Length: 140',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: text/html; charset=utf-8',
      'Content-Length: 13',
      'Set-Cookie: a=1',
      'Vary: Accept',
      'Set-Cookie: b=2',
      '',
      'Hello, world!',
      '',
      '',
    );

    const file = await readWarcFile(dataDir, fileName);
    expect(gunzipSync(file).toString('latin1')).toBe(expectedWarcinfo + expectedRequest + expectedResponse);

    // Each member decompresses alone, at the offsets warcio measures and the writer reported.
    const records = await parseWarc(file);
    expect(records.map((record) => record.type)).toEqual(['warcinfo', 'request', 'response']);
    const members = records.map((record) =>
      gunzipSync(file.subarray(record.offset, record.offset + record.length)).toString('latin1'),
    );
    expect(members).toEqual([expectedWarcinfo, expectedRequest, expectedResponse]);
    expect(records.at(-1)).toMatchObject({ offset: written.response.offset, length: written.response.length });
    expect(written.response.offset + written.response.length).toBe(file.byteLength);
    expect(written.payloadSha256).toBe('sha256:315f5bdb76d078c43b8ac0064e4a0164612b1fce77c869345bfc94c75894edd3');
  });

  it('writes records warcio reads back whole and from the located member alone, with both digests right', async () => {
    const writer = new WarcWriter({ dataDir });
    const exchanges = [
      textExchange('https://syndication.twimg.com/tweet-result?id=20', '{"id_str":"20"}'),
      textExchange(
        'https://publish.twitter.com/oembed?url=https%3A%2F%2Ftwitter.com%2Fjack%2Fstatus%2F20',
        '{"html":"<blockquote>"}',
      ),
      {
        ...textExchange('https://example.com/empty', ''),
        response: {
          ...textExchange('https://example.com/empty', '').response,
          status: 204,
          statusText: 'No Content',
          headers: [],
        },
      },
    ];
    const written = [];
    for (const exchange of exchanges) written.push(await writer.writeExchange(exchange));
    await writer.close();

    const fileNames = await listWarcFiles(dataDir);
    expect(fileNames).toHaveLength(1);
    const file = await readWarcFile(dataDir, fileNames[0] ?? '');
    const records = await parseWarc(file);
    expect(records.map((record) => record.type)).toEqual([
      'warcinfo',
      'request',
      'response',
      'request',
      'response',
      'request',
      'response',
    ]);
    records.forEach(expectDigestsMatch);

    for (const [index, { response, payloadSha256 }] of written.entries()) {
      const exchange = exchanges[index]!;
      const [alone, ...rest] = await parseWarc(file.subarray(response.offset, response.offset + response.length));
      expect(rest).toEqual([]);
      expect(alone?.type).toBe('response');
      expectDigestsMatch(alone!);
      expect(alone?.warcHeaders.get('WARC-Payload-Digest')).toBe(payloadSha256);

      const stored = await readResponseRecord(dataDir, response);
      expect(stored).toEqual({
        targetUri: exchange.url,
        status: exchange.response.status,
        headers: exchange.response.headers,
        payload: new Uint8Array(exchange.response.body),
      });
      expect(payloadSha256).toBe(`sha256:${sha256Hex(exchange.response.body)}`);
    }

    // The request names its response, and both share the target and the date.
    const [, request, response] = records;
    expect(request?.warcHeaders.get('WARC-Concurrent-To')).toBe(response?.warcHeaders.get('WARC-Record-ID'));
    expect(request?.warcHeaders.get('WARC-Target-URI')).toBe(response?.warcHeaders.get('WARC-Target-URI'));
    expect(request?.warcHeaders.get('WARC-Date')).toBe('2024-05-01T12:00:00.000Z');
    expect(response?.warcHeaders.get('WARC-Date')).toBe('2024-05-01T12:00:00.000Z');
    expect(response?.warcHeaders.has('WARC-IP-Address')).toBe(false);
  });

  it('stores a gzip-encoded body still compressed, and readers can still decode it', async () => {
    const html = '<html><body>' + 'a post about a post. '.repeat(50) + '</body></html>';
    const compressed = gzipSync(html);
    const exchange = textExchange('https://example.com/article', '');
    exchange.response.headers = [
      ['Content-Type', 'text/html'],
      ['Content-Encoding', 'gzip'],
      ['Content-Length', String(compressed.byteLength)],
    ];
    exchange.response.body = compressed;

    const writer = new WarcWriter({ dataDir });
    const { response, payloadSha256 } = await writer.writeExchange(exchange);
    await writer.close();

    const stored = await readResponseRecord(dataDir, response);
    expect(Buffer.from(stored.payload).equals(compressed)).toBe(true);
    expect(payloadSha256).toBe(`sha256:${sha256Hex(compressed)}`);

    const record = await readLocatedRecord(response);
    expect(await record.contentText()).toBe(html);
  });

  it('marks a body cut by the body cap with WARC-Truncated: length', async () => {
    const cut = textExchange('https://pbs.twimg.com/media/big.jpg', 'first bytes only');
    cut.response.headers = [['Content-Length', '5000000']];
    cut.response.truncated = true;
    const whole = textExchange('https://pbs.twimg.com/media/small.jpg', 'all of it');

    const writer = new WarcWriter({ dataDir });
    const cutWritten = await writer.writeExchange(cut);
    const wholeWritten = await writer.writeExchange(whole);
    await writer.close();

    const cutStored = await readResponseRecord(dataDir, cutWritten.response);
    expect(cutStored.truncated).toBe('length');
    expect(Buffer.from(cutStored.payload).toString()).toBe('first bytes only');
    // The headers stay as received: the WARC-Truncated field explains the short body.
    expect(cutStored.headers).toEqual([['Content-Length', '5000000']]);
    expect((await readResponseRecord(dataDir, wholeWritten.response)).truncated).toBeUndefined();
  });

  it('keeps a de-chunked body intact for readers by renaming Transfer-Encoding to x-orig-Transfer-Encoding', async () => {
    // A body that itself looks like chunked framing: a reader that believed the
    // header would "de-chunk" it down to "wxyz".
    const body = '4\r\nwxyz\r\n0\r\n\r\n';
    const exchange = textExchange('https://example.com/chunked', body);
    exchange.response.headers = [
      ['Content-Type', 'text/plain'],
      ['Transfer-Encoding', 'chunked'],
    ];

    const writer = new WarcWriter({ dataDir });
    const { response } = await writer.writeExchange(exchange);
    await writer.close();

    const stored = await readResponseRecord(dataDir, response);
    expect(stored.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['x-orig-Transfer-Encoding', 'chunked'],
    ]);
    expect(Buffer.from(stored.payload).toString()).toBe(body);
    expect(await (await readLocatedRecord(response)).contentText()).toBe(body);
  });

  it('serialises 200 concurrent writes, rolls files over by size and locates every response exactly', async () => {
    const maxFileBytes = 16 * 1024;
    const writer = new WarcWriter({ dataDir, maxFileBytes });
    const exchanges = Array.from({ length: 200 }, (_, index) =>
      // Random text so gzip cannot shrink the bodies to nothing, and a size that varies.
      textExchange(`https://example.com/post/${index}`, randomBytes(200 + (index % 7) * 100).toString('base64')),
    );

    // One write first, so the burst below lands on a file that is already open.
    const written = [await writer.writeExchange(exchanges[0]!)];
    written.push(...(await Promise.all(exchanges.slice(1).map((exchange) => writer.writeExchange(exchange)))));
    await writer.close();

    for (const [index, { response }] of written.entries()) {
      const stored = await readResponseRecord(dataDir, response);
      expect(stored.targetUri).toBe(exchanges[index]?.url);
      expect(Buffer.from(stored.payload).equals(exchanges[index]!.response.body)).toBe(true);
    }

    const fileNames = await listWarcFiles(dataDir);
    expect(fileNames.length).toBeGreaterThan(5);
    const locatedMembers = new Set(
      written.map(({ response }) => `${response.file}@${response.offset}+${response.length}`),
    );
    const responseMembers = new Set<string>();
    let filesWithOneExchange = 0;
    for (const fileName of fileNames) {
      const file = await readWarcFile(dataDir, fileName);
      const records = await parseWarc(file);
      expect(records[0]?.type).toBe('warcinfo');
      expect(records[0]?.warcHeaders.get('WARC-Filename')).toBe(fileName);
      // After the warcinfo: whole request/response pairs, never split across files.
      const pairs = records.slice(1);
      expect(pairs.length % 2).toBe(0);
      pairs.forEach((record, index) => expect(record.type).toBe(index % 2 === 0 ? 'request' : 'response'));
      records.forEach(expectDigestsMatch);
      if (pairs.length > 2) expect(file.byteLength).toBeLessThanOrEqual(maxFileBytes);
      if (pairs.length === 2) filesWithOneExchange++;
      for (const record of records.filter(({ type }) => type === 'response')) {
        responseMembers.add(`warc/${fileName}@${record.offset}+${record.length}`);
      }
    }
    expect(responseMembers).toEqual(locatedMembers);
    // A file is filled before the next is started: only the last may hold a single exchange.
    expect(filesWithOneExchange).toBeLessThanOrEqual(1);
  });

  it('never lets two writers on one data dir share a file, even with the same clock, host and pid', async () => {
    const sameClock = (): Date => new Date('2024-05-01T12:00:00.000Z');
    const first = new WarcWriter({ dataDir, now: sameClock, maxFileBytes: 4096 });
    const second = new WarcWriter({ dataDir, now: sameClock, maxFileBytes: 4096 });

    const written = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        Promise.all([
          first.writeExchange(textExchange(`https://first.example/${index}`, randomBytes(300).toString('hex'))),
          second.writeExchange(textExchange(`https://second.example/${index}`, randomBytes(300).toString('hex'))),
        ]),
      ),
    );
    await Promise.all([first.close(), second.close()]);

    const filesOfFirst = new Set(written.map(([fromFirst]) => fromFirst.response.file));
    const filesOfSecond = new Set(written.map(([, fromSecond]) => fromSecond.response.file));
    expect([...filesOfFirst].filter((file) => filesOfSecond.has(file))).toEqual([]);

    for (const fileName of await listWarcFiles(dataDir)) {
      const records = await parseWarc(await readWarcFile(dataDir, fileName));
      const hosts = new Set(
        records.slice(1).map((record) => new URL(record.warcHeaders.get('WARC-Target-URI') ?? '').host),
      );
      expect(hosts.size).toBe(1);
      records.forEach(expectDigestsMatch);
    }
  });

  it('skips a file name that already exists instead of writing into that file', async () => {
    const now = (): Date => new Date('2024-05-01T12:00:00.000Z');
    const probe = new WarcWriter({ dataDir, now });
    const { response } = await probe.writeExchange(textExchange('https://example.com/probe', 'probe'));
    await probe.close();
    const foreignFile = join(dataDir, response.file);
    await writeFile(foreignFile, 'another process owns this file');

    const writer = new WarcWriter({ dataDir, now });
    const written = await writer.writeExchange(textExchange('https://example.com/mine', 'mine'));
    await writer.close();

    expect(written.response.file).not.toBe(response.file);
    expect(written.response.file).toMatch(/-00001\.warc\.gz$/);
    expect((await readWarcFile(dataDir, response.file.slice('warc/'.length))).toString()).toBe(
      'another process owns this file',
    );
    expect((await readResponseRecord(dataDir, written.response)).targetUri).toBe('https://example.com/mine');
  });

  it('after a failed write, cuts the partial bytes off, reports the error and goes on in a new file', async () => {
    const writer = new WarcWriter({ dataDir });
    const first = await writer.writeExchange(textExchange('https://example.com/first', 'first'));

    // A full disk cannot be had on demand: make the next flush fail the way one would.
    const probe = await open(join(dataDir, first.response.file), 'r');
    const fileHandlePrototype = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    vi.spyOn(fileHandlePrototype, 'datasync').mockRejectedValueOnce(
      Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
    );
    await expect(writer.writeExchange(textExchange('https://example.com/lost', 'lost'))).rejects.toMatchObject({
      code: 'STORAGE_WRITE',
      systemCode: 'ENOSPC',
      message: `cannot write ${join(dataDir, first.response.file)}: no space left on device (ENOSPC)`,
    });

    const third = await writer.writeExchange(textExchange('https://example.com/third', 'third'));
    await writer.close();

    expect(third.response.file).not.toBe(first.response.file);
    const firstFile = await readWarcFile(dataDir, first.response.file.slice('warc/'.length));
    expect(firstFile.byteLength).toBe(first.response.offset + first.response.length);
    expect((await parseWarc(firstFile)).map((record) => record.type)).toEqual(['warcinfo', 'request', 'response']);
    expect((await readResponseRecord(dataDir, third.response)).targetUri).toBe('https://example.com/third');
  });

  it('finishes the writes called before close(), refuses those after, and creates no file when nothing was written', async () => {
    const idle = new WarcWriter({ dataDir });
    await idle.close();
    await expect(listWarcFiles(dataDir)).rejects.toMatchObject({ code: 'ENOENT' });

    const writer = new WarcWriter({ dataDir });
    const before = writer.writeExchange(textExchange('https://example.com/before', 'before close'));
    const closed = writer.close();
    await expect(writer.writeExchange(textExchange('https://example.com/after', 'after close'))).rejects.toMatchObject({
      code: 'WARC_WRITER_CLOSED',
    });
    await closed;
    await writer.close();

    const { response } = await before;
    expect((await readResponseRecord(dataDir, response)).targetUri).toBe('https://example.com/before');
  });
});

async function readLocatedRecord(location: { file: string; offset: number; length: number }) {
  const file = await readWarcFile(dataDir, location.file.slice('warc/'.length));
  const record = await new WARCParser([file.subarray(location.offset, location.offset + location.length)]).parse();
  if (!record) throw new Error(`no record at ${location.file}@${location.offset}`);
  return record;
}
