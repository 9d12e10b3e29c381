// The ground floor: the record's types, ids, post URLs and what a target check
// finds. Every other folder reads these; this folder imports nothing above it.
export * from './record.js';
export { systemClock, type Clock } from './clock.js';
export * from './target-check.js';
export { isDocumentRecord, recordProblem, type RecordProblem } from './record-schema.js';
export { postUrl, type PostHost, type PostReference } from './post-url.js';
export { cdxTargetKey, linkTargetKey, postCitationId, postTargetKey, shortLinkCitationId } from './ids.js';
export { DOC_ID_PATTERN, deriveDocId, validateDocId } from './doc-id.js';
export {
  distanceFromMiddle,
  idPrefixes,
  isInWindow,
  PRINTED_DATE_SLACK_MS,
  sharedPrefix,
  snowflakeTime,
  snowflakeWindow,
  type NoWindowReason,
  type SnowflakeWindow,
} from './snowflake.js';
export { newestCheckBefore } from './recheck.js';
export {
  parseWarcFileName,
  recordedWarcFile,
  WARC_FILE_FOLDER,
  warcStoreName,
  type WarcFileNameParts,
} from './warc-file.js';
