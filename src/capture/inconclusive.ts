// Apart from post-status.ts, which reads the verdicts of both post sources, so that
// the sources and the decision over them do not import each other.

/** An answer that says nothing either way about a post; `httpStatus` where it was an HTTP error. */
export interface Inconclusive {
  kind: 'inconclusive';
  reason: string;
  httpStatus?: number;
}
