import type { DocumentRecord } from '../model/index.js';

/** A record as it is written to a file: indented JSON with a final newline. */
export function serializeRecord(record: DocumentRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/** `article.html` -> `article.citations.json`, in the same folder. */
export function sidecarPathFor(sourcePath: string): string {
  const dot = sourcePath.lastIndexOf('.');
  const slash = Math.max(sourcePath.lastIndexOf('/'), sourcePath.lastIndexOf('\\'));
  const stem = dot > slash + 1 ? sourcePath.slice(0, dot) : sourcePath;
  return `${stem}.citations.json`;
}
