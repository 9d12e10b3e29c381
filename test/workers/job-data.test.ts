import { describe, expect, it } from 'vitest';
import { JobDataError } from '../../src/errors.js';
import {
  parseArchiveJobData,
  parseRecheckJobData,
  parseRecheckTargetsJobData,
  parseRetryFailedJobData,
} from '../../workers/job-data.js';

describe('parseArchiveJobData', () => {
  it.each([
    [
      { docId: 'a', source: { url: 'https://news.example/a?b=1' } },
      { docId: 'a', source: { url: 'https://news.example/a?b=1' } },
    ],
    [
      { docId: 'a', source: { url: 'http://news.example/' } },
      { docId: 'a', source: { url: 'http://news.example/' } },
    ],
    [
      { docId: 'a.b_c-1', source: { path: '/srv/articles/a.html' } },
      { docId: 'a.b_c-1', source: { path: '/srv/articles/a.html' } },
    ],
    [
      { docId: 'a', source: { html: '<p>x</p>' } },
      { docId: 'a', source: { html: '<p>x</p>' } },
    ],
    [
      { docId: 'a', source: { html: '', uri: 'https://cms.example/42' } },
      { docId: 'a', source: { html: '', uri: 'https://cms.example/42' } },
    ],
    [
      { docId: 'a', source: { text: 'plain', uri: 'urn:x' } },
      { docId: 'a', source: { text: 'plain', uri: 'urn:x' } },
    ],
    [
      { docId: 'A'.repeat(200), source: { text: '' } },
      { docId: 'A'.repeat(200), source: { text: '' } },
    ],
  ])('accepts %j', (data, expected) => {
    expect(parseArchiveJobData(data)).toEqual(expected);
  });

  it.each([
    [undefined, 'job data: expected an object, got undefined'],
    [null, 'job data: expected an object, got null'],
    ['a', 'job data: expected an object, got "a"'],
    [[], 'job data: expected an object, got an array'],
    [{ source: { url: 'https://a.example/' } }, 'job data: docId: missing'],
    [{ docId: '', source: { url: 'https://a.example/' } }, 'job data: docId: expected 1 to 200 characters'],
    [{ docId: '-a', source: { url: 'https://a.example/' } }, 'job data: docId: expected'],
    [{ docId: 'a/b', source: { url: 'https://a.example/' } }, 'job data: docId: expected'],
    [{ docId: 'A'.repeat(201), source: { url: 'https://a.example/' } }, 'job data: docId: expected'],
    [
      { docId: 42, source: { url: 'https://a.example/' } },
      'job data: docId: expected 1 to 200 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, got number 42',
    ],
    [{ docID: 'a', docId: 'a', source: { url: 'https://a.example/' } }, 'job data: docID: unexpected field'],
    [{ docId: 'a' }, 'job data: source: missing'],
    [{ docId: 'a', source: 'https://a.example/' }, 'job data: source: expected an object'],
    [{ docId: 'a', source: {} }, 'job data: source: expected exactly one of url, path, html or text, got none'],
    [
      { docId: 'a', source: { url: 'https://a.example/', html: '<p>' } },
      'job data: source: expected exactly one of url, path, html or text, got url and html',
    ],
    [
      { docId: 'a', source: { url: 'ftp://a.example/x' } },
      'job data: source.url: expected an http(s) URL, got "ftp://a.example/x"',
    ],
    [{ docId: 'a', source: { url: 'not a url' } }, 'job data: source.url: expected an http(s) URL'],
    [{ docId: 'a', source: { url: 42 } }, 'job data: source.url: expected an http(s) URL, got number 42'],
    [{ docId: 'a', source: { url: 'https://a.example/', uri: 'x' } }, 'job data: source.uri: unexpected field'],
    [{ docId: 'a', source: { path: 'relative/a.html' } }, 'job data: source.path: expected an absolute file path'],
    [{ docId: 'a', source: { path: '' } }, 'job data: source.path: expected an absolute file path'],
    [{ docId: 'a', source: { path: '/a\0b' } }, 'job data: source.path: expected an absolute file path'],
    [{ docId: 'a', source: { html: 42 } }, 'job data: source.html: expected a string, got number 42'],
    [{ docId: 'a', source: { text: { body: 'x' } } }, 'job data: source.text: expected a string, got an object'],
    [{ docId: 'a', source: { text: 'x', uri: 7 } }, 'job data: source.uri: expected a non-empty string'],
    [{ docId: 'a', source: { text: 'x', uri: ' ' } }, 'job data: source.uri: expected a non-empty string'],
    [{ docId: 'a', source: { text: 'x', URI: 'u' } }, 'job data: source.URI: unexpected field'],
  ])('refuses %j naming the field', (data, message) => {
    expect(() => parseArchiveJobData(data)).toThrow(JobDataError);
    expect(() => parseArchiveJobData(data)).toThrow(message);
  });

  it('keeps a long bad value out of the message', () => {
    const error = (() => {
      try {
        parseArchiveJobData({ docId: 'a', source: { url: `ftp://${'x'.repeat(5000)}` } });
      } catch (caught) {
        return caught as JobDataError;
      }
      throw new Error('no error');
    })();
    expect(error.field).toBe('source.url');
    expect(error.message.length).toBeLessThan(200);
  });
});

describe('maintenance job data', () => {
  it.each([
    [{ olderThan: '30d' }, 30 * 86_400_000],
    [{ olderThan: '90' }, 90_000],
    [{ olderThan: 3600 }, 3_600_000],
  ])('recheck reads %j as a fixed interval', (data, olderThanMs) => {
    expect(parseRecheckJobData(data)).toEqual({ schedule: { kind: 'fixed', olderThanMs } });
  });

  it.each([[undefined], [{}]])('recheck without olderThan (%j) follows the widening schedule', (data) => {
    expect(parseRecheckJobData(data)).toEqual({ schedule: { kind: 'widening' } });
  });

  it.each([
    [{ olderThan: 'soon' }, 'job data: olderThan: expected a duration'],
    [{ olderThan: -1 }, 'job data: olderThan: expected a duration'],
    [{ older: '7d' }, 'job data: older: unexpected field'],
    ['7d', 'job data: expected an object'],
  ])('recheck refuses %j', (data, message) => {
    expect(() => parseRecheckJobData(data)).toThrow(message);
  });

  it('retry-failed takes no data', () => {
    expect(parseRetryFailedJobData({})).toEqual({});
    expect(parseRetryFailedJobData(undefined)).toEqual({});
    expect(() => parseRetryFailedJobData({ status: 'failed' })).toThrow(
      'job data: status: unexpected field; expected only no fields',
    );
  });
});

describe('recheck-targets job data', () => {
  const good = {
    run: 'recheck',
    plannedAt: '2026-11-30T03:00:00.000Z',
    part: 0,
    of: 2,
    documents: [{ docId: 'a', targets: ['post:1', 'link:https://t.co/x', 'embed:ab12'] }],
  };

  it('reads a part', () => {
    expect(parseRecheckTargetsJobData(good)).toEqual(good);
  });

  it.each([
    [{ ...good, run: 'now' }, 'job data: run: expected "recheck" or "retry-failed"'],
    [{ ...good, plannedAt: 'soon' }, 'job data: plannedAt: expected an ISO time'],
    [{ ...good, part: 2 }, 'job data: part: expected a whole number from 0 to 1'],
    [{ ...good, documents: [] }, 'job data: documents: expected an array of 1 to 1000 documents'],
    [
      { ...good, documents: [{ docId: '../x', targets: ['post:1'] }] },
      'job data: documents[0].docId: expected a doc id',
    ],
    [
      { ...good, documents: [{ docId: 'a', targets: ['file:///etc/passwd'] }] },
      'job data: documents[0].targets[0]: expected a target key',
    ],
    [
      { ...good, documents: [{ docId: 'a', targets: ['post:1'], extra: 1 }] },
      'job data: documents[0].extra: unexpected field',
    ],
  ])('refuses %j', (data, message) => {
    expect(() => parseRecheckTargetsJobData(data)).toThrow(message);
  });
});
