// How a capture's `warc.file` names a file of the WARC store. Records name it
// `warc/<name>` (contract section 7: relative to the data dir, whose `warc` folder is
// the default store); `<name>` is the file's name in whichever store holds it, a
// folder or an S3 prefix, so a record reads the same wherever its WARC files went.
import { WarcRecordInvalidError } from '../errors.js';

/** The folder part every recorded WARC file name starts with. */
export const WARC_FILE_FOLDER = 'warc';

/** `warc/<name>`: what a capture records for the store's file `name`. */
export function recordedWarcFile(name: string): string {
  return `${WARC_FILE_FOLDER}/${name}`;
}

/**
 * The store's name of a recorded `warc/<name>`. Anything else (a path that would
 * leave the store, a record edited by hand) is refused, so no record can make a
 * reader open a file outside the store.
 */
export function warcStoreName(file: string): string {
  const name = file.startsWith(`${WARC_FILE_FOLDER}/`) ? file.slice(WARC_FILE_FOLDER.length + 1) : undefined;
  if (name === undefined || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new WarcRecordInvalidError(
      `${file}: a capture's WARC file must be named warc/<file name> (in the WARC store)`,
    );
  }
  return name;
}
