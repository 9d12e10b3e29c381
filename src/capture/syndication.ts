import { postUrl, type MediaType, type Post } from '../model/index.js';
import type { Inconclusive } from './inconclusive.js';
import { isObject, stringOf } from './json-fields.js';

/**
 * The token the syndication endpoint checks. It depends on JavaScript's own number
 * formatting, so it is computed exactly as the embed widget does (vercel/react-tweet):
 * this is the one place a post id may pass through a Number.
 */
export function syndicationToken(id: string): string {
  return ((Number(id) / 1e15) * Math.PI).toString(36).replace(/(0+|\.)/g, '');
}

export function syndicationUrl(id: string): string {
  return `https://cdn.syndication.twimg.com/tweet-result?id=${id}&lang=en&token=${syndicationToken(id)}`;
}

/** What one syndication answer says about a post. */
export type SyndicationVerdict =
  | { kind: 'tweet'; post: Omit<Post, 'platform' | 'embed'> }
  | { kind: 'tombstone'; text: string }
  | { kind: 'not-found' }
  /** An answer that says nothing either way: `{}`, HTML instead of JSON, 5xx, 403 and the like. */
  | Inconclusive;

/**
 * Reads a syndication answer defensively: the endpoint has answered `{}` for
 * nonsense ids, HTML instead of JSON, and Tweets without `user`; none of it may crash.
 */
export function readSyndicationAnswer(status: number, body: string): SyndicationVerdict {
  if (status === 404) return { kind: 'not-found' };
  if (status !== 200)
    return { kind: 'inconclusive', reason: `syndication answered HTTP ${status}`, httpStatus: status };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { kind: 'inconclusive', reason: 'syndication answered something that is not JSON' };
  }
  if (!isObject(data)) return { kind: 'inconclusive', reason: 'syndication answered JSON that is not an object' };
  if (data.__typename === 'TweetTombstone') {
    const tombstone = isObject(data.tombstone) && isObject(data.tombstone.text) ? data.tombstone.text.text : undefined;
    return { kind: 'tombstone', text: typeof tombstone === 'string' ? tombstone : '' };
  }
  if (data.__typename !== 'Tweet' || typeof data.id_str !== 'string') {
    return { kind: 'inconclusive', reason: 'syndication answered JSON without a Tweet' };
  }
  return { kind: 'tweet', post: postFromTweet(data) };
}

function postFromTweet(tweet: Record<string, unknown>): Omit<Post, 'platform' | 'embed'> {
  const user = isObject(tweet.user) ? tweet.user : {};
  const id = tweet.id_str as string;
  const handle = stringOf(user.screen_name);
  const post: Omit<Post, 'platform' | 'embed'> = { id, media: mediaOf(tweet), links: linksOf(tweet) };
  if (handle !== undefined) post.handle = handle;
  post.url = postUrl({ id, handle });
  const authorName = stringOf(user.name);
  if (authorName !== undefined) post.authorName = authorName;
  const createdAt = stringOf(tweet.created_at);
  if (createdAt !== undefined && !Number.isNaN(Date.parse(createdAt)))
    post.createdAt = new Date(createdAt).toISOString();
  const text = stringOf(tweet.text);
  if (text !== undefined) post.text = text;
  const lang = stringOf(tweet.lang);
  if (lang !== undefined) post.lang = lang;
  const quotedId = isObject(tweet.quoted_tweet) ? stringOf(tweet.quoted_tweet.id_str) : undefined;
  if (quotedId !== undefined) post.quotedId = quotedId;
  const inReplyToId =
    stringOf(tweet.in_reply_to_status_id_str) ?? (isObject(tweet.parent) ? stringOf(tweet.parent.id_str) : undefined);
  if (inReplyToId !== undefined) post.inReplyToId = inReplyToId;
  const editIds = editIdsOf(tweet);
  if (editIds !== undefined) post.editIds = editIds;
  return post;
}

/**
 * The ids of an edited post's versions, oldest first (contract 6b): syndication lists
 * them in `edit_control.edit_tweet_ids`, the post's own among them; undefined for a
 * post never edited.
 */
function editIdsOf(tweet: Record<string, unknown>): string[] | undefined {
  const control = isObject(tweet.edit_control) ? tweet.edit_control : {};
  const listed: unknown[] = Array.isArray(control.edit_tweet_ids) ? control.edit_tweet_ids : [];
  const ids = listed.filter((id): id is string => typeof id === 'string' && /^\d{1,20}$/.test(id));
  if (ids.length <= 1 && tweet.isEdited !== true) return undefined;
  // Snowflake ids grow with time: sorted as numbers (BigInt, they pass 2^53), oldest first.
  return [...new Set(ids)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

const MEDIA_TYPES: ReadonlySet<string> = new Set<MediaType>(['photo', 'video', 'animated_gif']);

/** Photos at their largest size (`name=orig`); videos by their best MP4 variant. */
function mediaOf(tweet: Record<string, unknown>): Post['media'] {
  const details = Array.isArray(tweet.mediaDetails) ? (tweet.mediaDetails as unknown[]) : [];
  const media: Post['media'] = [];
  for (const item of details) {
    if (!isObject(item) || typeof item.type !== 'string' || !MEDIA_TYPES.has(item.type)) continue;
    const type = item.type as MediaType;
    const url =
      type === 'photo'
        ? largestPhotoUrl(stringOf(item.media_url_https))
        : (bestVideoUrl(item) ?? stringOf(item.media_url_https));
    if (url !== undefined) media.push({ type, url });
  }
  return media;
}

export function largestPhotoUrl(mediaUrl: string | undefined): string | undefined {
  if (mediaUrl === undefined) return undefined;
  try {
    const url = new URL(mediaUrl);
    const extension = /\.(jpe?g|png|webp|gif)$/i.exec(url.pathname);
    if (extension) {
      url.pathname = url.pathname.slice(0, -extension[0].length);
      url.searchParams.set('format', extension[1]!.toLowerCase() === 'jpeg' ? 'jpg' : extension[1]!.toLowerCase());
    }
    url.searchParams.set('name', 'orig');
    return url.href;
  } catch {
    return undefined;
  }
}

function bestVideoUrl(item: Record<string, unknown>): string | undefined {
  const info = isObject(item.video_info) ? item.video_info : undefined;
  const variants = info && Array.isArray(info.variants) ? (info.variants as unknown[]) : [];
  let best: { bitrate: number; url: string } | undefined;
  for (const variant of variants) {
    if (!isObject(variant) || variant.content_type !== 'video/mp4' || typeof variant.url !== 'string') continue;
    const bitrate = typeof variant.bitrate === 'number' ? variant.bitrate : 0;
    if (!best || bitrate > best.bitrate) best = { bitrate, url: variant.url };
  }
  return best?.url;
}

function linksOf(tweet: Record<string, unknown>): Post['links'] {
  const entities = isObject(tweet.entities) ? tweet.entities : {};
  const urls = Array.isArray(entities.urls) ? (entities.urls as unknown[]) : [];
  const links: Post['links'] = [];
  for (const entry of urls) {
    if (!isObject(entry)) continue;
    const url = stringOf(entry.url);
    const expandedUrl = stringOf(entry.expanded_url);
    if (url !== undefined && expandedUrl !== undefined) links.push({ url, expandedUrl });
  }
  return links;
}
