import type { TextSlices } from './plain-text.js';
import {
  MEDIA_HOST_PATTERN,
  MEDIA_SUFFIX_PATTERN,
  POST_HOST_PATTERN,
  SHORT_CODE_PATTERN,
  STATUS_PATH_PATTERN,
  postReference,
  type LinkTarget,
} from './post-url.js';

/** A cited URL found in plain text: [start, end) of its text, and what it points to. */
export interface LinkInText {
  start: number;
  end: number;
  target: LinkTarget;
}

// One pattern reads all three forms. The look-behind keeps a host that is only
// the tail of another name (fxtwitter.com, netflix.com, user@x.com) out; the
// look-aheads keep `status/123abc` and `t.co/abcé` from matching a prefix.
// It is tried (sticky) only where a cheap literal scan has found a host.
const LINK_AT = new RegExp(
  String.raw`(?<![\w.@-])(?:https?:\/\/)?(?:` +
    `${POST_HOST_PATTERN}\\/${STATUS_PATH_PATTERN}${MEDIA_SUFFIX_PATTERN}(?!\\w)` +
    `|t\\.co\\/${SHORT_CODE_PATTERN}(?![A-Za-z0-9])(?:\\?amp=1(?![\\w&=]))?` +
    `|${MEDIA_HOST_PATTERN}\\/${SHORT_CODE_PATTERN}(?![A-Za-z0-9])` +
    ')',
  'iy',
);
/** The most a host name may reach back before its `.co`: "mobile.twitter". */
const MAX_HOST_PREFIX = 14;
const SCHEMES = ['https://', 'http://'];

// A post URL written out in full keeps its query and fragment (?s=20&t=…); the
// sentence punctuation after it is not part of it. Tails are read up to a bound so
// that a hostile run of URL characters costs no more than the bound.
const URL_TAIL = /^[?#][^\s<>"'`]*/;
const MAX_URL_TAIL_LENGTH = 2048;
/** `.com/` and a handle segment that runs to the end of the text read. */
const PATH_SEGMENT_TO_END = /\.com\/(?:#!\/)?\w+$/iy;
const TRAILING_PUNCTUATION = new Set('.,;:!?)]}\'"»›…');

/** How much text before a `.co` a link may start at: "https://mobile.twitter" and the character before it. */
const WINDOW_BEFORE = MAX_HOST_PREFIX + 'https://'.length + 1;
/** How much text after a `.co` is read at first: enough for any link but a post URL with a long query. */
const WINDOW_AFTER = 256;

/** Every `.co` (any case) in `text`: where each host of ours (t.co, twitter.com, x.com, pic.twitter.com) ends. */
export function* hostSuffixPositions(text: string): Generator<number> {
  // indexOf on the dots is many times faster than a case-insensitive regex over
  // two-byte text, and the dots of prose are cheap to skip.
  for (let dot = text.indexOf('.'); dot >= 0; dot = text.indexOf('.', dot + 1)) {
    if ((text.charCodeAt(dot + 1) | 0x20) === 0x63 /* c */ && (text.charCodeAt(dot + 2) | 0x20) === 0x6f /* o */)
      yield dot;
  }
}

/**
 * The post URLs, short links and media links of `text` whose host ends at one of
 * `hostSuffixes` (ascending positions of `.co`, see hostSuffixPositions), in order.
 */
export function findLinks(text: TextSlices, hostSuffixes: Iterable<number>): LinkInText[] {
  const links: LinkInText[] = [];
  let consumedTo = 0;
  for (const suffix of hostSuffixes) {
    if (suffix < consumedTo) continue;
    const link = linkEndingHostAt(text, suffix);
    if (link === undefined) continue;
    links.push(link);
    consumedTo = link.end;
  }
  return links;
}

/** The link whose host ends at the `.co` at `suffix`, read from a window of text around it. */
function linkEndingHostAt(text: TextSlices, suffix: number): LinkInText | undefined {
  const windowStart = Math.max(0, suffix - WINDOW_BEFORE);
  let window = text.slice(windowStart, suffix + WINDOW_AFTER);
  let link = linkInWindow(window, suffix - windowStart);
  const windowIsCut = windowStart + window.length < text.length;
  if (
    windowIsCut &&
    (link === undefined ? endsInPathSegment(window, suffix - windowStart) : link.end === window.length)
  ) {
    // A query reaching the end of the window, or a handle segment longer than the
    // window: read it with room for the longest tail.
    window = text.slice(windowStart, suffix + WINDOW_AFTER + MAX_URL_TAIL_LENGTH);
    link = linkInWindow(window, suffix - windowStart);
  }
  return link === undefined ? undefined : { ...link, start: windowStart + link.start, end: windowStart + link.end };
}

/** Whether the window ends inside the path segment after a `.com/`: a handle longer than the window. */
function endsInPathSegment(window: string, suffix: number): boolean {
  const segment = new RegExp(PATH_SEGMENT_TO_END);
  segment.lastIndex = suffix;
  return segment.test(window);
}

function linkInWindow(window: string, suffix: number): LinkInText | undefined {
  const hostStart = hostNameStart(window, suffix);
  if (hostStart === undefined) return undefined;
  // Where a scheme precedes the host, the link starts there; where that fails
  // (the scheme is glued to a word), the host alone may still be a link.
  const scheme = SCHEMES.find(
    (candidate) => window.slice(hostStart - candidate.length, hostStart).toLowerCase() === candidate,
  );
  const link = new RegExp(LINK_AT);
  for (const start of scheme === undefined ? [hostStart] : [hostStart - scheme.length, hostStart]) {
    link.lastIndex = start;
    const match = link.exec(window);
    const found = match === null ? undefined : toLinkInText(window, match);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Where the host name that ends in the `.co` at `suffixIndex` starts; undefined where it is too long to be one of ours. */
function hostNameStart(text: string, suffixIndex: number): number | undefined {
  const limit = suffixIndex - MAX_HOST_PREFIX;
  let index = suffixIndex;
  while (index > 0 && isHostNameChar(text.charCodeAt(index - 1))) {
    if (--index < limit) return undefined;
  }
  return index;
}

/** [A-Za-z0-9_.-]: the characters of a host name, and of a word glued to one. */
function isHostNameChar(code: number): boolean {
  const lower = code | 0x20;
  return (
    (lower >= 0x61 && lower <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x5f ||
    code === 0x2e ||
    code === 0x2d
  );
}

function toLinkInText(text: string, match: RegExpExecArray): LinkInText | undefined {
  const [whole, handle, id, shortCode, mediaCode] = match;
  const start = match.index;
  const end = start + whole.length;
  if (id !== undefined)
    return { start, end: end + postUrlTailLength(text, end), target: { kind: 'post', ...postReference(handle, id) } };
  if (shortCode !== undefined)
    return { start, end, target: { kind: 'short-link', code: shortCode, form: 'short-link' } };
  if (mediaCode !== undefined)
    return { start, end, target: { kind: 'short-link', code: mediaCode, form: 'media-link' } };
  return undefined;
}

function postUrlTailLength(text: string, from: number): number {
  const tail = URL_TAIL.exec(text.slice(from, from + MAX_URL_TAIL_LENGTH))?.[0] ?? '';
  let length = tail.length;
  while (length > 0 && TRAILING_PUNCTUATION.has(tail.charAt(length - 1))) length--;
  return length;
}
