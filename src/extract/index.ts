// The extraction stage: document text -> citations with exact offsets. Pure: no
// I/O, no network; the pipeline resolves and captures what this finds.
export type { ExtractedCitation, ExtractedDocument } from './types.js';
export { extractFromHtml } from './html.js';
export { extractFromText } from './text.js';
export { decodeHtmlBytes } from './decode.js';
export { parsePostUrl } from './post-url.js';
export { parsePrintedDate } from './printed-date.js';
