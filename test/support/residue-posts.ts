import type { FakeUpstream } from './fake-upstream/index.js';
import { snowflakeIdAt } from './fake-upstream/index.js';

// An article whose posts survive only as residue (contract 6a), and the posts and
// Wayback copies the fake upstream serves for them: one account's several posts of one
// day, a deleted post the Archive kept, an altered quote with its own t.co link, two
// posts too alike to tell apart, an account the CDX never saw, an edited post. Shared
// by the in-process lookup test and the same through the queue.

// One account's posts of 2024-03-05: same subject, same hashtag; only the text tells them apart.
export const POLICE = 'police_ma';
export const RIGHT = snowflakeIdAt('2024-03-05T10:15:00Z', 1);
export const SAME_DAY = {
  [snowflakeIdAt('2024-03-05T08:00:00Z', 2)]:
    '#أمن توقيف شخص بمدينة طنجة للاشتباه في تورطه في النصب والاحتيال عبر الأنترنت وانتحال صفة.',
  [RIGHT]: '#أمن توقيف ثلاثة أشخاص بمدينة فاس للاشتباه في ارتباطهم بشبكة إجرامية تنشط في سرقة السيارات وتزوير وثائقها.',
  [snowflakeIdAt('2024-03-05T16:40:00Z', 3)]:
    '#أمن توقيف شخصين بمدينة مراكش للاشتباه في تورطهما في حيازة وترويج المخدرات والمؤثرات العقلية.',
  [snowflakeIdAt('2024-03-05T21:05:00Z', 4)]:
    'بلاغ: المديرية العامة للأمن الوطني تنفي صحة الأخبار المتداولة حول سرقة السيارات بمدينة فاس.',
};
// The same account's post of the week before: never a candidate.
export const WEEK_BEFORE = snowflakeIdAt('2024-02-27T10:15:00Z', 5);

export const DELETED = snowflakeIdAt('2024-01-10T09:30:00Z', 6);
export const DELETED_TEXT =
  'We are closing the Riverside branch on Friday. Customers will be served at Main Street from Monday on.';
export const ALTERED = snowflakeIdAt('2024-02-02T14:00:00Z', 7);
export const ALTERED_TEXT = 'The council approved the new budget by 31 votes to 12, with a 4% rise in school spending';
export const TWINS = [snowflakeIdAt('2024-04-01T09:00:00Z', 8), snowflakeIdAt('2024-04-01T09:01:00Z', 9)];
export const TWIN_TEXT = 'Road closed between exits 12 and 14 after an accident this morning; expect long delays.';
export const EDITED = snowflakeIdAt('2024-05-06T11:00:00Z', 11);
export const EDITED_FIRST = snowflakeIdAt('2024-05-06T10:58:00Z', 10);
export const EDITED_TEXT = 'Polling stations stay open until 20:00 tonight in all districts of the city.';

export const ARTICLE = `Police said three men had been arrested.

${SAME_DAY[RIGHT]} — DGSN (@${POLICE}) March 5, 2024

The branch closure surprised customers.

${DELETED_TEXT} — Town Bank (@townbank) January 10, 2024

The budget passed after a long debate.

The council approved the new budget by 21 votes to 12, with a 4% rise in school spending https://t.co/AltR3d0ne — City Council (@citycouncil) February 2, 2024

Traffic was affected all morning.

Road closed between exits 12 and 14 after an accident this morning; expect long delays. — Highways (@highways_x) April 1, 2024

Nobody archived this account.

A post that nobody archived, ever, in any form at all. — Nobody (@nobody_archived) March 5, 2024

Voting went on late.

${EDITED_TEXT} — Election Office (@elections) May 6, 2024

Another post the CDX lists, but not from that week.

Something the account said that matches nothing else in the archive at all. — DGSN (@${POLICE}) February 20, 2024
`;

/** The handle-days the article's residues are looked up by: one CDX lookup (two requests) each. */
export const RESIDUE_HANDLE_DAYS = 7;

/** Adds the article's posts, their Wayback copies and the page one links to. */
export function addResiduePosts(upstream: FakeUpstream): void {
  for (const [id, text] of Object.entries(SAME_DAY)) {
    upstream.addPost({ id, handle: POLICE, name: 'DGSN', lang: 'ar', text });
    upstream.addWaybackCopy(id, { timestamp: '20240306000000' });
  }
  upstream.addPost({ id: WEEK_BEFORE, handle: POLICE, name: 'DGSN', text: SAME_DAY[RIGHT]! });
  upstream.addWaybackCopy(WEEK_BEFORE, { timestamp: '20240228000000' });
  upstream.addPost({
    id: snowflakeIdAt('2024-02-20T12:00:00Z'),
    handle: POLICE,
    name: 'DGSN',
    text: 'Something else entirely, about a football match.',
  });
  upstream.addWaybackCopy(snowflakeIdAt('2024-02-20T12:00:00Z'), {
    timestamp: '20240221000000',
    form: 'twitter.com json',
  });

  upstream.addPost({ id: DELETED, handle: 'townbank', name: 'Town Bank', text: DELETED_TEXT });
  upstream.addWaybackCopy(DELETED, { timestamp: '20240110120000', form: 'twitter.com json' });
  upstream.setPostState(DELETED, 'deleted');

  upstream.addPost({
    id: ALTERED,
    handle: 'citycouncil',
    name: 'City Council',
    text: ALTERED_TEXT,
    urls: [{ tco: 'https://t.co/AltR3d0ne', expanded: 'https://news.test/budget' }],
  });
  upstream.addPost({
    id: snowflakeIdAt('2024-02-02T15:00:00Z', 12),
    handle: 'citycouncil',
    name: 'City Council',
    text: 'The council approved the new budget by 21 votes to 12.',
  });
  upstream.addWaybackCopy(ALTERED, { timestamp: '20240203000000' });
  upstream.addWaybackCopy(snowflakeIdAt('2024-02-02T15:00:00Z', 12), { timestamp: '20240203000000' });
  upstream.addPage('https://news.test/budget', { body: '<title>Budget</title>' });

  for (const id of TWINS) {
    upstream.addPost({ id, handle: 'highways_x', name: 'Highways', text: TWIN_TEXT });
    upstream.addWaybackCopy(id, { timestamp: '20240401120000' });
  }

  upstream.addPost({
    id: EDITED,
    handle: 'elections',
    name: 'Election Office',
    text: EDITED_TEXT,
    editIds: [EDITED_FIRST, EDITED],
  });
  upstream.addWaybackCopy(EDITED, { timestamp: '20240506120000' });
}
