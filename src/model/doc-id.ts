import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { UsageError } from '../errors.js';

export const DOC_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_LENGTH = 200;

/** Returns the doc id unchanged, or throws a UsageError that says what a doc id may be. */
export function validateDocId(docId: string, where = '--doc-id'): string {
  if (!DOC_ID_PATTERN.test(docId)) {
    const shown =
      docId.length > 60 ? `${JSON.stringify(docId.slice(0, 60))}… (${docId.length} characters)` : JSON.stringify(docId);
    throw new UsageError(
      `${where}: invalid doc id ${shown}: expected 1 to 200 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    );
  }
  return docId;
}

/**
 * Derives a doc id from where a document came from: a file's name without its
 * extension, or a URL's host and path. Characters a doc id cannot hold become `-`;
 * a name that would be too long keeps its start and gains a short hash of the whole,
 * so two long names that share a start still get different ids.
 */
export function deriveDocId(source: { path: string } | { url: string } | { content: Uint8Array }): string {
  if ('content' in source) return `stdin-${shortHash(source.content)}`;
  const name =
    'path' in source
      ? basename(source.path, extname(source.path))
      : (() => {
          const url = new URL(source.url);
          return `${url.hostname}${url.pathname}${url.search}`;
        })();
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '');
  if (cleaned === '') return `doc-${shortHash(Buffer.from(name))}`;
  if (cleaned.length <= MAX_LENGTH) return cleaned;
  return `${cleaned.slice(0, MAX_LENGTH - 17)}-${shortHash(Buffer.from(name))}`;
}

function shortHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}
