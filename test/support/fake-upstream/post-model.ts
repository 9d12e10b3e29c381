import { createHash } from 'node:crypto';

/**
 * What the upstreams say about a post. Each state is answered the way upstreams.md
 * reports the real services answer it; see syndication.ts and oembed.ts for the table.
 */
export const POST_STATES = [
  'public',
  'deleted',
  'protected',
  'suspended',
  'age-gated',
  'withheld',
  /** Removed for breaking the rules: another tombstone ("This Post violated the X Rules"). */
  'rules-violation',
  /** Public, but syndication answers an HTML page instead of JSON. */
  'syndication-html',
  /** Public, but syndication answers `200 {}`. */
  'syndication-empty',
  /** Public, but syndication's Tweet object has no `user`. */
  'syndication-no-user',
  /** Public, but syndication answers 404 while oEmbed has it. */
  'syndication-only-404',
] as const;
export type PostState = (typeof POST_STATES)[number];

export interface PhotoInput {
  /** `https://pbs.twimg.com/media/<file>.jpg` (or `.png`, or `?format=png`). */
  url: string;
  /** Size of the original, in pixels. */
  width: number;
  height: number;
}

export interface PostLinkInput {
  /** The t.co link as it appears in the post, e.g. `https://t.co/Q558GooFYF`. */
  tco: string;
  /** Where it leads. */
  expanded: string;
}

export interface PostInput {
  /** Digits only. Snowflake ids exceed 2^53: keep them strings. */
  id: string;
  handle: string;
  /** The author's display name. */
  name: string;
  /**
   * The post text. Link and photo t.co URLs that it does not contain are appended,
   * because X stores them in the text and marks them with entities.
   */
  text: string;
  /** ISO 8601. Default: the time in the Snowflake id. */
  createdAt?: string;
  /** Default 'en'. */
  lang?: string;
  /** Default none. */
  photos?: readonly PhotoInput[];
  /** t.co links in the text; each is also registered as a short link. Default none. */
  urls?: readonly PostLinkInput[];
  /**
   * The t.co code the photos share (shown as `pic.twitter.com/<code>`); it is
   * registered as a short link to `https://twitter.com/<handle>/status/<id>/photo/1`.
   * Default: derived from the id.
   */
  mediaShortCode?: string;
  /** Default none. */
  quotedId?: string;
  /** Default none. */
  inReplyToId?: string;
  /** Default 'public'. */
  state?: PostState;
  /**
   * The ids of the post's versions, oldest first, this post's own id last, for a post
   * edited after it was published. Default: the post alone.
   */
  editIds?: readonly string[];
}

/** [start, end) in Unicode code points, as X counts entity indices. */
export type Indices = [number, number];

export interface Photo {
  /** The file name without extension: the key pbs.twimg.com serves it under. */
  fileName: string;
  format: 'jpg' | 'png';
  /** `https://pbs.twimg.com/media/<fileName>.<format>`, the form syndication reports. */
  mediaUrl: string;
  width: number;
  height: number;
  /** `https://twitter.com/<handle>/status/<id>/photo/<n>`. */
  expandedUrl: string;
}

export interface Post {
  readonly id: string;
  readonly handle: string;
  readonly name: string;
  readonly userId: string;
  readonly createdAt: string;
  readonly lang: string;
  state: PostState;
  /** The full text as X stores it, entity links included. */
  readonly text: string;
  readonly displayTextRange: Indices;
  readonly links: readonly { url: string; expandedUrl: string; displayUrl: string; indices: Indices }[];
  readonly hashtags: readonly { text: string; indices: Indices }[];
  readonly mentions: readonly { screenName: string; indices: Indices }[];
  readonly media: { shortLink: string; displayUrl: string; indices: Indices; photos: readonly Photo[] } | undefined;
  readonly quotedId: string | undefined;
  readonly inReplyToId: string | undefined;
  /** Oldest first; the post's own id alone when it was never edited. */
  readonly editIds: readonly string[];
}

export function buildPost(input: PostInput): Post {
  if (!/^\d{1,19}$/.test(input.id)) throw new Error(`addPost: id must be digits, got ${JSON.stringify(input.id)}`);
  if (!/^\w{1,50}$/.test(input.handle)) throw new Error(`addPost: bad handle ${JSON.stringify(input.handle)}`);
  if (input.createdAt !== undefined && Number.isNaN(Date.parse(input.createdAt))) {
    throw new Error(`addPost: createdAt must be an ISO 8601 time, got ${JSON.stringify(input.createdAt)}`);
  }
  if (input.mediaShortCode !== undefined && !/^\w+$/.test(input.mediaShortCode)) {
    throw new Error(`addPost: bad mediaShortCode ${JSON.stringify(input.mediaShortCode)}`);
  }
  if (
    input.editIds !== undefined &&
    (input.editIds.some((id) => !/^\d{1,19}$/.test(id)) || input.editIds.at(-1) !== input.id)
  ) {
    throw new Error(`addPost: editIds must be ids, oldest first, ending with the post's own id ${input.id}`);
  }
  for (const link of input.urls ?? []) {
    if (!/^https:\/\/t\.co\/\w+$/.test(link.tco))
      throw new Error(`addPost: tco must be https://t.co/<code>, got ${JSON.stringify(link.tco)}`);
  }

  let text = input.text;
  if (input.mediaShortCode !== undefined && !/^\w+$/.test(input.mediaShortCode)) {
    throw new Error(`addPost: bad mediaShortCode ${JSON.stringify(input.mediaShortCode)}`);
  }
  for (const link of input.urls ?? []) {
    if (!text.includes(link.tco)) text = appendWord(text, link.tco);
  }
  const photos = (input.photos ?? []).map((photo, index) => parsePhoto(photo, index, input));
  const shortLink =
    photos.length > 0 ? `https://t.co/${input.mediaShortCode ?? derivedShortCode(input.id)}` : undefined;
  if (shortLink !== undefined && !text.includes(shortLink)) text = appendWord(text, shortLink);

  // X leaves the trailing photo link out of the displayed range.
  const displayEnd =
    shortLink !== undefined && text.endsWith(shortLink)
      ? codePointLength(text.slice(0, -shortLink.length).trimEnd())
      : codePointLength(text);

  return {
    id: input.id,
    handle: input.handle,
    name: input.name,
    userId: userIdForHandle(input.handle),
    createdAt: input.createdAt === undefined ? snowflakeTime(input.id) : new Date(input.createdAt).toISOString(),
    lang: input.lang ?? 'en',
    state: input.state ?? 'public',
    text,
    displayTextRange: [0, displayEnd],
    links: (input.urls ?? []).map((link) => ({
      url: link.tco,
      expandedUrl: link.expanded,
      displayUrl: displayUrl(link.expanded),
      indices: indicesOf(text, link.tco),
    })),
    hashtags: [...text.matchAll(HASHTAG)].map((match) => ({
      text: match[1] ?? '',
      indices: matchIndices(text, match),
    })),
    mentions: [...text.matchAll(MENTION)].map((match) => ({
      screenName: match[1] ?? '',
      indices: matchIndices(text, match),
    })),
    media:
      shortLink === undefined
        ? undefined
        : {
            shortLink,
            displayUrl: shortLink.replace('https://t.co/', 'pic.twitter.com/'),
            indices: indicesOf(text, shortLink),
            photos,
          },
    quotedId: input.quotedId,
    inReplyToId: input.inReplyToId,
    editIds: input.editIds === undefined || input.editIds.length === 0 ? [input.id] : [...input.editIds],
  };
}

/** upstreams.md: createdAt = (id >> 22) + 1288834974657 ms since the epoch. */
export function snowflakeTime(id: string): string {
  return new Date(Number((BigInt(id) >> 22n) + 1288834974657n)).toISOString();
}

/** A post id whose Snowflake time is `iso`; `sequence` (0 to 4095) tells apart posts of one millisecond. */
export function snowflakeIdAt(iso: string, sequence = 0): string {
  return (((BigInt(Date.parse(iso)) - 1288834974657n) << 22n) | BigInt(sequence)).toString();
}

/** A stable made-up account id, so the same handle always has the same user. */
export function userIdForHandle(handle: string): string {
  const digest = createHash('sha256').update(handle.toLowerCase()).digest();
  return (digest.readBigUInt64BE(0) >> 8n).toString();
}

export function codePointLength(text: string): number {
  return [...text].length;
}

// Close enough to twitter-text for the fake: a tag must hold a letter; a mention is 1-15 word characters.
const HASHTAG = /(?<![\p{L}\p{N}_&/])[#＃]([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu;
const MENTION = /(?<![\p{L}\p{N}_@])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@])/gu;

function parsePhoto(photo: PhotoInput, index: number, post: PostInput): Photo {
  const url = new URL(photo.url);
  const match = /^\/media\/([\w-]+)(?:\.(jpg|jpeg|png))?$/.exec(url.pathname);
  if (url.hostname !== 'pbs.twimg.com' || match === null) {
    throw new Error(`addPost: photo url must be https://pbs.twimg.com/media/<file>.jpg, got ${photo.url}`);
  }
  if (
    !isPositiveInteger(photo.width) ||
    !isPositiveInteger(photo.height) ||
    photo.width > 65535 ||
    photo.height > 65535
  ) {
    throw new Error(`addPost: photo ${photo.url} needs an integer width and height between 1 and 65535`);
  }
  const fileName = match[1] ?? '';
  const format = (match[2] ?? url.searchParams.get('format') ?? 'jpg') === 'png' ? 'png' : 'jpg';
  return {
    fileName,
    format,
    mediaUrl: `https://pbs.twimg.com/media/${fileName}.${format}`,
    width: photo.width,
    height: photo.height,
    expandedUrl: `https://twitter.com/${post.handle}/status/${post.id}/photo/${index + 1}`,
  };
}

function isPositiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

function derivedShortCode(id: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const digest = createHash('sha256').update(`media:${id}`).digest();
  return [...digest.subarray(0, 10)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** X shows a link without its scheme and `www.`, cut after about 25 characters. */
function displayUrl(expanded: string): string {
  const bare = expanded.replace(/^https?:\/\//, '').replace(/^www\./, '');
  return bare.length > 26 ? `${bare.slice(0, 25)}…` : bare;
}

function appendWord(text: string, word: string): string {
  return text === '' ? word : `${text} ${word}`;
}

function indicesOf(text: string, needle: string): Indices {
  const start = codePointLength(text.slice(0, text.indexOf(needle)));
  return [start, start + codePointLength(needle)];
}

function matchIndices(text: string, match: RegExpMatchArray): Indices {
  const start = codePointLength(text.slice(0, match.index));
  return [start, start + codePointLength(match[0])];
}
