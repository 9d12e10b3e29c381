import type { Post, PostState } from './post-model.js';
import { userIdForHandle } from './post-model.js';
import type { Scenario } from './scenario.js';
import type { UpstreamHandler } from './respond.js';
import { send, sendHtml, sendJson, sendStatus } from './respond.js';
import { avatarUrl, LISTED_SIZES, photoSize } from './media.js';

/**
 * The token cdn.syndication.twimg.com demands. upstreams.md: it depends on JavaScript's
 * number formatting (the id goes through a Number on purpose), so it is computed exactly
 * as react-tweet does, and a client that computes it any other way is refused.
 */
export function syndicationToken(id: string): string {
  return ((Number(id) / 1e15) * Math.PI).toString(36).replace(/(0+|\.)/g, '');
}

/** The "Learn more" texts of the tombstones logged-out readers get, by post state. */
const TOMBSTONE_TEXTS: Partial<Record<PostState, (post: Post) => string>> = {
  protected: () =>
    'You’re unable to view this Post because this account owner limits who can view their Posts. Learn more',
  'age-gated': () =>
    'Age-restricted adult content. This content might not be appropriate for people under 18 years old. To view this media, you’ll need to log in to X. Learn more',
  withheld: (post) =>
    `This Post from @${post.handle} has been withheld in your country in response to a legal demand. Learn more`,
  'rules-violation': () => 'This Post violated the X Rules. Learn more',
};

/**
 * `GET /tweet-result?id=<id>&lang=en&token=<token>`, answered as upstreams.md reports:
 *
 * | post                       | answer                                             |
 * | -------------------------- | -------------------------------------------------- |
 * | public (and oEmbed-only oddities) | 200 Tweet JSON                              |
 * | protected, age-gated, withheld, rules-violation | 200 TweetTombstone          |
 * | deleted, never added       | 404, empty body                                    |
 * | suspended                  | 404, empty body (syndication does not say why)     |
 * | id not digits              | 200 {}                                             |
 * | syndication-html           | 200 text/html                                      |
 * | syndication-empty          | 200 {}                                             |
 * | syndication-no-user        | 200 Tweet JSON without `user`                      |
 * | syndication-only-404       | 404, empty body                                    |
 *
 * A missing or wrong token gets 400 with a plain-text body. JSON is gzipped for clients
 * that accept it, as the CDN does.
 */
export const serveSyndication: UpstreamHandler = (request, response, scenario) => {
  if (request.url.pathname !== '/tweet-result') return sendStatus(request, response, 404);
  const id = request.url.searchParams.get('id');
  const token = request.url.searchParams.get('token');
  if (id === null || token === null || token !== syndicationToken(id)) return sendStatus(request, response, 400);
  if (!/^\d{1,19}$/.test(id)) return sendJson(request, response, 200, {});

  const post = scenario.post(id);
  const tombstoneText = post === undefined ? undefined : TOMBSTONE_TEXTS[post.state]?.(post);
  if (
    post === undefined ||
    post.state === 'deleted' ||
    post.state === 'suspended' ||
    post.state === 'syndication-only-404'
  ) {
    return send(request, response, { status: 404 });
  }
  if (tombstoneText !== undefined) return sendJson(request, response, 200, tombstone(tombstoneText));
  if (post.state === 'syndication-html') return sendHtml(request, response, 200, SOMETHING_WENT_WRONG_PAGE);
  if (post.state === 'syndication-empty') return sendJson(request, response, 200, {});

  const tweet = tweetJson(post, scenario);
  if (post.state === 'syndication-no-user') delete tweet['user'];
  sendJson(request, response, 200, tweet);
};

function tombstone(text: string): unknown {
  const learnMore = 'Learn more';
  return {
    __typename: 'TweetTombstone',
    tombstone: {
      text: {
        text,
        entities: [
          {
            from_index: text.length - learnMore.length,
            to_index: text.length,
            ref: {
              __typename: 'TimelineUrl',
              url: 'https://help.twitter.com/rules-and-policies/notices-on-twitter',
              url_type: 'ExternalUrl',
            },
          },
        ],
        rtl: false,
      },
    },
  };
}

/** The Tweet object, in the shape of react-tweet's `Tweet` type. */
function tweetJson(post: Post, scenario: Scenario): Record<string, unknown> {
  const quoted = post.quotedId === undefined ? undefined : scenario.post(post.quotedId);
  const parent = post.inReplyToId === undefined ? undefined : scenario.post(post.inReplyToId);
  return {
    __typename: 'Tweet',
    ...tweetBase(post, scenario),
    favorite_count: 0,
    conversation_count: 0,
    news_action_type: 'conversation',
    possibly_sensitive: false,
    ...(post.media === undefined ? {} : { mediaDetails: mediaDetails(post), photos: photos(post) }),
    // Quoted and parent posts are embedded only while they are public themselves.
    ...(quoted?.state === 'public'
      ? {
          quoted_tweet: {
            ...tweetBase(quoted, scenario),
            ...counts(),
            ...(quoted.media === undefined ? {} : { mediaDetails: mediaDetails(quoted) }),
            self_thread: { id_str: quoted.id },
          },
        }
      : {}),
    ...(post.inReplyToId === undefined ? {} : { in_reply_to_status_id_str: post.inReplyToId }),
    ...(parent?.state === 'public'
      ? {
          in_reply_to_screen_name: parent.handle,
          in_reply_to_user_id_str: parent.userId,
          parent: { ...tweetBase(parent, scenario), ...counts() },
        }
      : {}),
  };
}

function tweetBase(post: Post, scenario: Scenario): Record<string, unknown> {
  const createdMs = Date.parse(post.createdAt);
  return {
    lang: post.lang,
    created_at: post.createdAt,
    display_text_range: post.displayTextRange,
    entities: {
      hashtags: post.hashtags.map((tag) => ({ indices: tag.indices, text: tag.text })),
      urls: post.links.map((link) => ({
        display_url: link.displayUrl,
        expanded_url: link.expandedUrl,
        indices: link.indices,
        url: link.url,
      })),
      user_mentions: post.mentions.map((mention) => ({
        id_str: userIdForHandle(mention.screenName),
        indices: mention.indices,
        name: scenario.authorName(mention.screenName) ?? mention.screenName,
        screen_name: mention.screenName,
      })),
      symbols: [],
      ...(post.media === undefined ? {} : { media: mediaEntities(post) }),
    },
    id_str: post.id,
    text: post.text,
    user: {
      id_str: post.userId,
      name: post.name,
      profile_image_url_https: avatarUrl(post.userId),
      profile_image_shape: 'Circle',
      screen_name: post.handle,
      verified: false,
      is_blue_verified: false,
    },
    edit_control: {
      edit_tweet_ids: [...post.editIds],
      editable_until_msecs: String(createdMs + 60 * 60 * 1000),
      is_edit_eligible: false,
      edits_remaining: '5',
    },
    isEdited: post.editIds.length > 1,
    isStaleEdit: false,
  };
}

function counts(): Record<string, number> {
  return { reply_count: 0, retweet_count: 0, favorite_count: 0 };
}

/** X lists every photo of a post under the one t.co link they share. */
function mediaEntities(post: Post): unknown[] {
  const media = post.media;
  if (media === undefined) return [];
  return media.photos.map((photo) => ({
    display_url: media.displayUrl,
    expanded_url: photo.expandedUrl,
    indices: media.indices,
    url: media.shortLink,
  }));
}

function mediaDetails(post: Post): unknown[] {
  const media = post.media;
  if (media === undefined) return [];
  return media.photos.map((photo) => ({
    display_url: media.displayUrl,
    expanded_url: photo.expandedUrl,
    ext_media_availability: { status: 'Available' },
    ext_media_color: { palette: [] },
    indices: media.indices,
    media_url_https: photo.mediaUrl,
    original_info: { height: photo.height, width: photo.width, focus_rects: [] },
    sizes: Object.fromEntries(
      LISTED_SIZES.map((name) => {
        const size = photoSize(photo, name) ?? photo;
        return [name, { h: size.height, w: size.width, resize: name === 'thumb' ? 'crop' : 'fit' }];
      }),
    ),
    type: 'photo',
    url: media.shortLink,
  }));
}

function photos(post: Post): unknown[] {
  return (post.media?.photos ?? []).map((photo) => ({
    backgroundColor: { red: 204, green: 214, blue: 221 },
    cropCandidates: [{ x: 0, y: 0, w: photo.width, h: photo.height }],
    expandedUrl: photo.expandedUrl,
    url: photo.mediaUrl,
    width: photo.width,
    height: photo.height,
  }));
}

/** What the endpoint has been seen to answer instead of JSON: X's generic error page. */
const SOMETHING_WENT_WRONG_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>X</title></head>
<body><p>Something went wrong, but don’t fret — let’s give it another shot.</p></body></html>
`;
