import type { FakeUpstream } from './fake-upstream.js';
import type { PostInput, PostState } from './post-model.js';
import { POST_STATES } from './post-model.js';
import { WAYBACK_COPY_FORMS } from './wayback-copies.js';

/**
 * A scenario as JSON, for the standalone fake (main.ts): the same things a test sets
 * up with FakeUpstream's methods. Every list is optional. A page body is text, or bytes
 * in `bodyBase64`.
 *
 * ```json
 * { "posts": [{ "id": "1729555061938819317", "handle": "DGSN_MAROC", "name": "DGSN MAROC", "text": "…" }],
 *   "shortLinks": [{ "code": "rdI6rg3QRE", "target": "https://twitter.com/DGSN_MAROC/status/1729555061938819317/photo/1" }],
 *   "pages": [{ "url": "https://news.example.com/a", "body": "<html>…", "charset": "windows-1252" }],
 *   "redirects": [{ "url": "https://news.example.com/old", "location": "/a", "status": 302 }],
 *   "waybackSnapshots": [{ "url": "https://twitter.com/u/status/1", "timestamp": "20231128120000", "body": "{}", "contentType": "application/json" }],
 *   "waybackCopies": [{ "postId": "1729555061938819317", "timestamp": "20231128190000", "form": "x.com html" }],
 *   "failures": [{ "target": "news.example.com", "statuses": [429], "retryAfter": "1" }] }
 * ```
 */
export function loadScenario(upstream: FakeUpstream, json: unknown): void {
  const scenario = JsonObject.from(json, 'scenario');
  for (const post of scenario.list('posts')) upstream.addPost(readPost(post));
  for (const link of scenario.list('shortLinks')) {
    upstream.addShortLink(
      link.string('code'),
      link.string('target'),
      optional({
        unsafe: link.optionalBoolean('unsafe'),
        withoutHead: link.optionalBoolean('withoutHead'),
      }),
    );
  }
  for (const page of scenario.list('pages')) {
    const base64 = page.optionalString('bodyBase64');
    upstream.addPage(
      page.string('url'),
      optional({
        status: page.optionalNumber('status'),
        headers: page.optionalStringRecord('headers'),
        body: base64 === undefined ? page.optionalString('body') : Buffer.from(base64, 'base64'),
        charset: page.optionalString('charset'),
        gzip: page.optionalBoolean('gzip'),
        delayMs: page.optionalNumber('delayMs'),
        hang: page.optionalBoolean('hang'),
        bytes: page.optionalNumber('bytes'),
      }),
    );
  }
  for (const redirect of scenario.list('redirects')) {
    upstream.addRedirect(redirect.string('url'), redirect.string('location'), redirect.optionalNumber('status'));
  }
  for (const snapshot of scenario.list('waybackSnapshots')) {
    upstream.addWaybackSnapshot(snapshot.string('url'), {
      timestamp: snapshot.string('timestamp'),
      body: snapshot.string('body'),
      ...optional({ contentType: snapshot.optionalString('contentType') }),
    });
  }
  for (const copy of scenario.list('waybackCopies')) {
    const form = copy.optionalString('form');
    const known = WAYBACK_COPY_FORMS.find((candidate) => candidate === form);
    if (form !== undefined && known === undefined)
      throw new Error(
        `${copy.where}.form: expected one of ${WAYBACK_COPY_FORMS.join(', ')}, got ${JSON.stringify(form)}`,
      );
    upstream.addWaybackCopy(copy.string('postId'), {
      timestamp: copy.string('timestamp'),
      ...(known === undefined ? {} : { form: known }),
    });
  }
  for (const failure of scenario.list('failures')) {
    upstream.failNext(
      failure.string('target'),
      failure.numbers('statuses'),
      optional({ retryAfter: failure.optionalString('retryAfter') }),
    );
  }
}

function readPost(post: JsonObject): PostInput {
  const state = post.optionalString('state');
  if (state !== undefined && !(POST_STATES as readonly string[]).includes(state)) {
    throw new Error(`${post.where}.state: expected one of ${POST_STATES.join(', ')}, got ${JSON.stringify(state)}`);
  }
  return {
    id: post.string('id'),
    handle: post.string('handle'),
    name: post.string('name'),
    text: post.string('text'),
    ...optional({
      createdAt: post.optionalString('createdAt'),
      lang: post.optionalString('lang'),
      mediaShortCode: post.optionalString('mediaShortCode'),
      quotedId: post.optionalString('quotedId'),
      inReplyToId: post.optionalString('inReplyToId'),
      state: state as PostState | undefined,
    }),
    photos: post
      .list('photos')
      .map((photo) => ({ url: photo.string('url'), width: photo.number('width'), height: photo.number('height') })),
    urls: post.list('urls').map((link) => ({ tco: link.string('tco'), expanded: link.string('expanded') })),
  };
}

/** Drops the keys whose value is undefined, as exactOptionalPropertyTypes asks of optional options. */
function optional<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** One JSON object of the scenario, read field by field; errors name the field's path. */
class JsonObject {
  private constructor(
    private readonly fields: Readonly<Record<string, unknown>>,
    readonly where: string,
  ) {}

  static from(value: unknown, where: string): JsonObject {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`${where}: expected an object`);
    return new JsonObject(value as Record<string, unknown>, where);
  }

  string(key: string): string {
    return this.required(key, this.optionalString(key));
  }

  number(key: string): number {
    return this.required(key, this.optionalNumber(key));
  }

  optionalString(key: string): string | undefined {
    return this.typed(key, 'string', (value): value is string => typeof value === 'string');
  }

  optionalNumber(key: string): number | undefined {
    return this.typed(key, 'a number', (value): value is number => typeof value === 'number');
  }

  optionalBoolean(key: string): boolean | undefined {
    return this.typed(key, 'true or false', (value): value is boolean => typeof value === 'boolean');
  }

  optionalStringRecord(key: string): Record<string, string> | undefined {
    const isStringRecord = (value: unknown): value is Record<string, string> =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.values(value).every((v) => typeof v === 'string');
    return this.typed(key, 'an object of strings', isStringRecord);
  }

  numbers(key: string): number[] {
    const isNumbers = (value: unknown): value is number[] =>
      Array.isArray(value) && value.every((v) => typeof v === 'number');
    return this.required(key, this.typed(key, 'an array of numbers', isNumbers));
  }

  /** The objects of an optional array. */
  list(key: string): JsonObject[] {
    const value = this.typed(key, 'an array', (v): v is unknown[] => Array.isArray(v)) ?? [];
    return value.map((item, index) => JsonObject.from(item, `${this.where}.${key}[${index}]`));
  }

  private typed<T>(key: string, expected: string, isExpected: (value: unknown) => value is T): T | undefined {
    const value = this.fields[key];
    if (value === undefined) return undefined;
    if (!isExpected(value)) throw new Error(`${this.where}.${key}: expected ${expected}, got ${JSON.stringify(value)}`);
    return value;
  }

  private required<T>(key: string, value: T | undefined): T {
    if (value === undefined) throw new Error(`${this.where}.${key}: missing`);
    return value;
  }
}
