// The WARC stores behind the WarcStore port (contract section 12): a folder, or an
// S3 prefix whose SDK is loaded only when one is configured.
import { join } from 'node:path';
import type { WarcStoreSetting } from '../config.js';
import { WARC_FILE_FOLDER } from '../model/index.js';
import type { WarcStore } from '../ports.js';
import { FolderWarcStore } from './folder-warc-store.js';
import { S3WarcStore } from './s3-warc-store.js';

export { FolderWarcStore } from './folder-warc-store.js';
export { S3WarcStore } from './s3-warc-store.js';

/** The store CITESNAP_WARC_STORE names. Opening does no I/O: `check()` does. */
export function openWarcStore(setting: WarcStoreSetting): WarcStore {
  return setting.kind === 'folder' ? new FolderWarcStore(setting.folder) : new S3WarcStore(setting);
}

/** The names of the files in the data dir's own `warc` folder, the default store (export and serve list it). */
export function dataDirWarcFileNames(dataDir: string): () => Promise<string[]> {
  const folder = new FolderWarcStore(join(dataDir, WARC_FILE_FOLDER));
  return () => folder.list();
}
