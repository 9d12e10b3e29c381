// Fake upstreams for citesnap's tests: real HTTPS and HTTP servers on loopback that behave
// like t.co, twitter.com/x.com, syndication, oEmbed, pbs.twimg.com, the Wayback Machine and
// ordinary news sites, as docs/upstreams.md describes them. One file per upstream:
//
//   fake-upstream.ts  the servers, routing by Host, latency, failures, the request log
//   short-links.ts    t.co, pic.twitter.com
//   x-com.ts          twitter.com -> x.com, the x.com app shell
//   syndication.ts    cdn.syndication.twimg.com/tweet-result
//   oembed.ts         publish.twitter.com/oembed
//   media.ts          pbs.twimg.com (images from images.ts)
//   wayback.ts        archive.org/wayback/available, web.archive.org snapshots and CDX
//   pages.ts          any other page a test adds
//   main.ts           the same as a process of its own
export type { FakeUpstreamEnv, FakeUpstreamOptions, FakeUpstreamStats } from './fake-upstream.js';
export { FakeUpstream, TEST_CA_PATH } from './fake-upstream.js';
export type { PhotoInput, PostInput, PostLinkInput, PostState } from './post-model.js';
export { POST_STATES, snowflakeIdAt } from './post-model.js';
export type { FailureOptions, PageOptions, ShortLinkOptions, WaybackSnapshotInput } from './scenario.js';
export type { WaybackCopyForm, WaybackCopyInput } from './wayback-copies.js';
export type { HostTraffic, RequestLogEntry } from './traffic.js';
export type { Answer, FetchOptions } from './test-client.js';
export { createRoutedAgent, fetchAnswer, useFakeUpstream } from './test-client.js';
export { loadScenario } from './scenario-file.js';
export { syndicationToken } from './syndication.js';
export { encodeText } from './text-encoding.js';
