import { FetchError } from '../errors.js';
import type { HttpExchange } from '../net/index.js';
import { postUrl, snowflakeTime, type CapturedPost, type Capture, type PostCheck } from '../model/index.js';
import { oembedUrl, readOembedAnswer, type OembedVerdict } from './oembed.js';
import type { Inconclusive } from './inconclusive.js';
import { decidePostStatus } from './post-status.js';
import type { ExchangeRecorder, Fetcher } from '../ports.js';
import { readSyndicationAnswer, syndicationUrl } from './syndication.js';
import { findWaybackCopy } from './wayback.js';

export interface CapturePostOptions {
  fetcher: Fetcher;
  record: ExchangeRecorder;
}

/**
 * Checks and captures one post: syndication first, then oEmbed; where neither has
 * it, the Wayback Machine's copy of the twitter.com or x.com URL. Every answer is
 * archived, the captures point at the one the post was read from. Photos are
 * captured at their largest size, each with its own capture.
 */
export async function capturePost(
  target: { id: string; handle?: string },
  options: CapturePostOptions,
): Promise<PostCheck> {
  const { fetcher, record } = options;
  const fallbackCreatedAt = snowflakeTime(target.id);
  const post: CapturedPost = { id: target.id, url: postUrl(target), media: [], links: [] };
  if (target.handle !== undefined) post.handle = target.handle;

  const syndication = await ask(fetcher, record, syndicationUrl(target.id), readSyndicationAnswer);
  let oembed: Asked<OembedVerdict> | undefined;
  let capture: Capture | undefined;

  if (syndication.verdict.kind === 'tweet') {
    Object.assign(post, syndication.verdict.post);
    capture = syndication.recorded && { ...syndication.recorded, via: 'syndication' };
    await captureMedia(post, fetcher, record);
  } else {
    const statusUrl = postUrl(target, 'twitter.com');
    oembed = await ask(fetcher, record, oembedUrl(statusUrl), readOembedAnswer);
    if (oembed.verdict.kind === 'post') {
      const { authorName, handle, text } = oembed.verdict;
      if (authorName !== undefined) post.authorName = authorName;
      if (handle !== undefined) {
        post.handle = handle;
        post.url = postUrl({ id: target.id, handle });
      }
      if (text !== undefined) post.text = text;
      capture = oembed.recorded && { ...oembed.recorded, via: 'oembed' };
    }
  }

  const decision = decidePostStatus(syndication.verdict, oembed?.verdict);
  const networkError = syndication.error ?? oembed?.error;
  const check: PostCheck = { status: decision.status, post };
  if (decision.status === 'failed' && networkError !== undefined) {
    check.error = { code: networkError.code, message: networkError.message };
  } else if (decision.error !== undefined) {
    check.error = decision.error;
  }
  if (syndication.httpStatus !== undefined) check.httpStatus = syndication.httpStatus;

  if (capture === undefined) {
    const copy = await findWaybackCopy(target, { fetcher, record, around: fallbackCreatedAt });
    if (copy !== undefined) {
      capture = copy.capture;
      // The post as the Wayback Machine kept it; what a live source said wins.
      const kept = copy.post;
      if (post.links.length === 0) post.links = kept.links;
      for (const key of ['text', 'handle', 'authorName', 'createdAt', 'lang'] as const) {
        const value = kept[key];
        if (post[key] === undefined && value !== undefined) post[key] = value;
      }
    }
  }
  if (capture !== undefined) check.capture = capture;
  if (post.createdAt === undefined && fallbackCreatedAt !== undefined) post.createdAt = fallbackCreatedAt;
  return check;
}

interface Asked<V> {
  verdict: V;
  httpStatus?: number;
  recorded?: Omit<Capture, 'via'>;
  error?: FetchError;
}

/** One request to a post source, archived and read; a network failure is an inconclusive answer. */
async function ask<V>(
  fetcher: Fetcher,
  record: ExchangeRecorder,
  url: string,
  read: (status: number, body: string) => V | Inconclusive,
): Promise<Asked<V | Inconclusive>> {
  let exchange: HttpExchange;
  try {
    exchange = await fetcher.fetch(url, {
      headers: { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' },
    });
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return { verdict: { kind: 'inconclusive', reason: error.message }, error };
  }
  const recorded = await record(exchange);
  let body: string;
  try {
    body = exchange.decodedBody().toString('utf8');
  } catch (error) {
    if (!(error instanceof FetchError)) throw error;
    return {
      verdict: { kind: 'inconclusive', reason: error.message },
      httpStatus: exchange.response.status,
      recorded,
      error,
    };
  }
  return { verdict: read(exchange.response.status, body), httpStatus: exchange.response.status, recorded };
}

/**
 * Photos captured one by one at their largest size; one that cannot be had is left
 * without a capture. Videos keep their URL only: they are usually far larger than the
 * body cap, and the syndication answer already names every variant.
 */
async function captureMedia(post: CapturedPost, fetcher: Fetcher, record: ExchangeRecorder): Promise<void> {
  for (const item of post.media) {
    if (item.type !== 'photo') continue;
    try {
      const exchange = await fetcher.fetch(item.url);
      const recorded = await record(exchange);
      if (exchange.response.status >= 200 && exchange.response.status < 300)
        item.capture = { ...recorded, via: 'media' };
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
    }
  }
}
