// The ground floor: the record's types, ids, post URLs and what a target check
// finds. Every other folder reads these; this folder imports nothing above it.
export * from './record.js';
export * from './target-check.js';
export { isDocumentRecord, recordProblem, type RecordProblem } from './record-schema.js';
export { postUrl, type PostHost, type PostReference } from './post-url.js';
export { linkTargetKey, postCitationId, postTargetKey, shortLinkCitationId } from './ids.js';
export { DOC_ID_PATTERN, deriveDocId, validateDocId } from './doc-id.js';
export { snowflakeTime } from './snowflake.js';
export { DEFAULT_RECHECK_OLDER_THAN, newestCheckBefore } from './recheck.js';
