import type { ErrorCode, Status } from '../model/index.js';
import type { OembedVerdict } from './oembed.js';
import type { SyndicationVerdict } from './syndication.js';

export interface PostStatusDecision {
  status: Status;
  error?: { code: ErrorCode; message: string };
}

/**
 * Combines what syndication and oEmbed said into the post's status (contract
 * section 7). One 404 does not make a post deleted: both sources must say so;
 * a protected or suspended answer wins over deleted; a tombstone (hidden from
 * logged-out readers) is protected when its text says the owner limits who can
 * view, else unavailable (age-gated, withheld, any other).
 */
export function decidePostStatus(
  syndication: SyndicationVerdict,
  oembed: OembedVerdict | undefined,
): PostStatusDecision {
  if (syndication.kind === 'tweet' || oembed?.kind === 'post') return { status: 'archived' };
  if (oembed?.kind === 'suspended') return { status: 'suspended' };
  if (oembed?.kind === 'protected') return { status: 'protected' };
  if (syndication.kind === 'tombstone') {
    if (/suspended/i.test(syndication.text)) return { status: 'suspended' };
    if (/limits who can view|protected/i.test(syndication.text)) return { status: 'protected' };
    return { status: 'unavailable' };
  }
  if (syndication.kind === 'not-found' && oembed?.kind === 'not-found') return { status: 'deleted' };
  const reasons = [
    syndication.kind === 'inconclusive' ? syndication.reason : `syndication: ${syndication.kind}`,
    oembed === undefined
      ? 'oEmbed not asked'
      : oembed.kind === 'inconclusive'
        ? oembed.reason
        : `oEmbed: ${oembed.kind}`,
  ];
  const rateLimited = [syndication, oembed].some(
    (verdict) => verdict?.kind === 'inconclusive' && verdict.httpStatus === 429,
  );
  return {
    status: 'failed',
    error: {
      code: rateLimited ? 'RATE_LIMITED' : 'BAD_RESPONSE',
      message: `the sources do not agree on this post: ${reasons.join('; ')}`,
    },
  };
}
