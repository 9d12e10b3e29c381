// The URL forms of contract section 6: post URLs, t.co short links and their
// pic.twitter.com display form. The patterns are shared with the text scanner
// (link-scan.ts) so that a URL in an href and the same URL in text read alike.
import { postCitationId, shortLinkCitationId, type PostReference } from '../model/index.js';

/** What a cited URL points to, before any network resolution. */
export type LinkTarget =
  | ({ kind: 'post' } & PostReference)
  /** `t.co/<code>` (form 'short-link') or `pic.twitter.com/<code>` (form 'media-link'): both resolve as https://t.co/<code>. */
  | { kind: 'short-link'; code: string; form: 'short-link' | 'media-link' };

/** twitter.com, x.com and their www., mobile. and m. forms. */
export const POST_HOST_PATTERN = String.raw`(?:(?:www|mobile|m)\.)?(?:twitter|x)\.com`;

/**
 * The status path after the host, capturing the handle (group 1, absent for
 * /i/web/status) and the id (group 2). `/i/status/<id>` matches with handle `i`,
 * which `postReference` drops. The handle segment may be of any length: accounts
 * older than the 15-character limit have longer names, and x.com serves a post by
 * its id whatever the segment says, so the id decides and the segment is kept as
 * written. Only word characters: `{handle}`, `:user` or `<name>` in a template
 * URL never match.
 */
export const STATUS_PATH_PATTERN = String.raw`(?:#!\/)?(?:(\w+)\/status(?:es)?|i\/web\/status)\/(\d{1,20})`;

/** `/photo/N` or `/video/N` after the id: the same post. */
export const MEDIA_SUFFIX_PATTERN = String.raw`(?:\/(?:photo|video)\/\d{1,2})?`;

/** A short code: t.co codes are case-sensitive ASCII letters and digits. */
export const SHORT_CODE_PATTERN = '([A-Za-z0-9]+)';

/** pic.twitter.com, and pic.x.com, the display form X has printed since 2024. */
export const MEDIA_HOST_PATTERN = String.raw`pic\.(?:twitter|x)\.com`;

const OPTIONAL_SCHEME = String.raw`(?:(?:https?:)?\/\/)?`;
const REST_OF_URL = String.raw`\/?(?:[?#].*)?`;

const POST_URL = new RegExp(
  `^${OPTIONAL_SCHEME}${POST_HOST_PATTERN}\\/${STATUS_PATH_PATTERN}${MEDIA_SUFFIX_PATTERN}${REST_OF_URL}$`,
  'is',
);
const SHORT_LINK_URL = new RegExp(
  `^${OPTIONAL_SCHEME}(?:(t\\.co)|${MEDIA_HOST_PATTERN})\\/${SHORT_CODE_PATTERN}${REST_OF_URL}$`,
  'is',
);

/** Leading zeros do not change which post the server returns; dropping them makes the forms agree. */
export function normalizePostId(id: string): string {
  return id.replace(/^0+(?=\d)/, '');
}

/** Builds a reference from the captures of STATUS_PATH_PATTERN. */
export function postReference(handle: string | undefined, id: string): PostReference {
  const normalizedId = normalizePostId(id);
  return handle === undefined || handle.toLowerCase() === 'i' ? { id: normalizedId } : { id: normalizedId, handle };
}

/** Reads any post URL form of contract section 6; undefined for anything else. */
export function parsePostUrl(url: string): PostReference | undefined {
  const match = POST_URL.exec(url.trim());
  const id = match?.[2];
  return id === undefined ? undefined : postReference(match?.[1], id);
}

/** The URL a short or media link resolves as. */
export function shortLinkUrl(code: string): string {
  return `https://t.co/${code}`;
}

/** Reads an href (already entity-decoded) as a cited target, or undefined when it cites nothing. */
export function parseLinkTarget(url: string): LinkTarget | undefined {
  const post = parsePostUrl(url);
  if (post !== undefined) return { kind: 'post', ...post };
  const match = SHORT_LINK_URL.exec(url.trim());
  const code = match?.[2];
  if (code === undefined) return undefined;
  return { kind: 'short-link', code, form: match?.[1] === undefined ? 'media-link' : 'short-link' };
}

/** The citation id a URL target belongs to. */
export function linkTargetCitationId(target: LinkTarget): string {
  return target.kind === 'post' ? postCitationId(target.id) : shortLinkCitationId(target.code);
}
