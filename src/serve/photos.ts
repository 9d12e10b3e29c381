import { readResponseRecord, type WarcFileReader } from '../capture/warc-reader.js';
import { decodeContentEncoding } from '../net/content-encoding.js';
import type { Citation } from '../model/index.js';

/** The image types a browser shows; anything else archived as a "photo" is never served as what it claims. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

/** Photos are small; a larger payload is refused rather than decoded into memory. */
const MAX_PHOTO_BYTES = 64 * 1024 * 1024;

export interface Photo {
  contentType: string;
  body: Buffer;
}

/**
 * Photo `mediaIndex` of a post citation, out of the WARC file its capture names: the
 * payload as archived, its Content-Encoding undone. Undefined when the citation has no
 * such captured photo. The type is the archived one only when it is an image type;
 * otherwise the bytes go out as application/octet-stream, never as HTML or script.
 */
export async function readPhoto(
  files: WarcFileReader,
  citation: Citation,
  mediaIndex: number,
): Promise<Photo | undefined> {
  const media = citation.post?.media[mediaIndex];
  if (media?.type !== 'photo' || !media.capture) return undefined;
  // The reader refuses a WARC file name that would leave the store (a record edited by hand).
  const stored = await readResponseRecord(files, media.capture.warc);
  const header = (name: string): string | undefined => stored.headers.find(([key]) => key.toLowerCase() === name)?.[1];
  const body = decodeContentEncoding(Buffer.from(stored.payload), header('content-encoding'), {
    maxContentEncodings: 2,
    maxDecodedBytes: MAX_PHOTO_BYTES,
  });
  const archivedType = (header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return { contentType: IMAGE_TYPES.has(archivedType) ? archivedType : 'application/octet-stream', body };
}
