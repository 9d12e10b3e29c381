// Shared by the WARC tests: exchanges to write, and warcio-based reading that checks
// every record independently of the code under test.

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARCParser } from 'warcio';
import { expect } from 'vitest';
import type { WarcExchange } from '../../src/capture/warc-writer.js';

export async function makeTempDataDir(): Promise<{ dataDir: string; remove: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'citesnap-warc-'));
  return { dataDir, remove: () => rm(dataDir, { recursive: true, force: true }) };
}

/** Ids urn:uuid:00000000-0000-4000-8000-000000000001, ...2, ... in call order. */
export function sequentialRecordIds(): () => string {
  let count = 0;
  return () => `urn:uuid:00000000-0000-4000-8000-${String(++count).padStart(12, '0')}`;
}

export function textExchange(url: string, bodyText: string, date = new Date('2024-05-01T12:00:00.000Z')): WarcExchange {
  const body = Buffer.from(bodyText, 'utf8');
  return {
    url,
    date,
    request: { method: 'GET', httpVersion: '1.1', headers: [['Host', new URL(url).host]] },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: '1.1',
      headers: [
        ['Content-Type', 'text/plain'],
        ['Content-Length', String(body.byteLength)],
      ],
      body,
      truncated: false,
    },
  };
}

export interface ParsedRecord {
  type: string;
  warcHeaders: Map<string, string>;
  /** Offset and length of the record's gzip member, as warcio's parser measured them. */
  offset: number;
  length: number;
  block: Uint8Array;
  /** The HTTP payload, raw (request and response records only). */
  payload?: Uint8Array;
}

/**
 * Every record of a gzipped WARC (a whole file or one member), read with warcio's
 * WARCParser twice: once as blocks, once with the HTTP head split off.
 */
export async function parseWarc(gzipped: Uint8Array): Promise<ParsedRecord[]> {
  const records: ParsedRecord[] = [];
  const blockParser = new WARCParser([gzipped], { keepHeadersCase: true, parseHttp: false });
  for await (const record of blockParser) {
    const block = await record.readFully();
    records.push({
      type: record.warcType,
      warcHeaders: new Map(record.warcHeaders.headers),
      offset: blockParser.offset,
      length: blockParser.recordLength,
      block,
    });
  }

  const payloads: (Uint8Array | undefined)[] = [];
  for await (const record of new WARCParser([gzipped], { keepHeadersCase: true })) {
    payloads.push(record.httpHeaders ? await record.readFully(false) : undefined);
  }
  expect(payloads).toHaveLength(records.length);
  return records.map((record, index) => {
    const payload = payloads[index];
    return payload === undefined ? record : { ...record, payload };
  });
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Recomputes sha256 over the block and the payload and compares them with the record's digests. */
export function expectDigestsMatch(record: ParsedRecord): void {
  if (record.type === 'response') {
    expect(record.warcHeaders.get('WARC-Block-Digest')).toBe(`sha256:${sha256Hex(record.block)}`);
    expect(record.payload).toBeDefined();
    expect(record.warcHeaders.get('WARC-Payload-Digest')).toBe(
      `sha256:${sha256Hex(record.payload ?? new Uint8Array())}`,
    );
  }
  if (record.type === 'request') {
    expect(record.warcHeaders.get('WARC-Block-Digest')).toBe(`sha256:${sha256Hex(record.block)}`);
  }
}

export async function listWarcFiles(dataDir: string): Promise<string[]> {
  return (await readdir(join(dataDir, 'warc'))).sort();
}

export async function readWarcFile(dataDir: string, name: string): Promise<Buffer> {
  return readFile(join(dataDir, 'warc', name));
}

/**
 * Reads every WARC file under the data dir with warcio and checks what any reader
 * relies on: a warcinfo record first in each file, both sha256 digests of every
 * record, and each request tied to its response. Returns the records read.
 */
export async function expectEveryWarcRecordValid(dataDir: string): Promise<ParsedRecord[]> {
  const all: ParsedRecord[] = [];
  for (const name of await listWarcFiles(dataDir)) {
    const records = await parseWarc(await readWarcFile(dataDir, name));
    expect(records[0]?.type).toBe('warcinfo');
    const responseIds = new Set(
      records.filter((record) => record.type === 'response').map((record) => record.warcHeaders.get('WARC-Record-ID')),
    );
    for (const record of records) {
      expectDigestsMatch(record);
      if (record.type === 'request') expect(responseIds.has(record.warcHeaders.get('WARC-Concurrent-To'))).toBe(true);
    }
    all.push(...records);
  }
  return all;
}
