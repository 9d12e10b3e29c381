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

/** What a WARC file's name says of it: `citesnap-<UTC yyyymmddhhmmssSSS>-<host>-<pid>-<sequence>.warc.gz`. */
export interface WarcFileNameParts {
  /** When the writer opened the file, by its own clock, in ms since the epoch. */
  createdAt: number;
  /** `<host>-<pid>`: the process that wrote it; one writer's files never overlap in time. */
  writer: string;
  sequence: number;
}

const WARC_FILE_NAME = /^citesnap-(\d{17})-(.+-\d+)-(\d+)\.warc\.gz$/;

/** The parts of a store file's name (capture/warc-writer.ts makes them); undefined for a name of another form. */
export function parseWarcFileName(name: string): WarcFileNameParts | undefined {
  const [, stamp, writer, sequence] = WARC_FILE_NAME.exec(name) ?? [];
  if (stamp === undefined || writer === undefined || sequence === undefined) return undefined;
  const iso = stamp.replace(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})$/, '$1-$2-$3T$4:$5:$6.$7Z');
  const createdAt = Date.parse(iso);
  return Number.isNaN(createdAt) ? undefined : { createdAt, writer, sequence: Number(sequence) };
}
