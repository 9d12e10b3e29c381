// The WARC stores behind the WarcStore port (contract section 12): a folder, or an
// S3 prefix whose SDK is loaded only when one is configured.
import type { WarcStoreSetting } from '../config.js';
import type { WarcStore } from '../ports.js';
import { FolderWarcStore } from './folder-warc-store.js';
import { S3WarcStore } from './s3-warc-store.js';

export { FolderWarcStore } from './folder-warc-store.js';
export { S3WarcStore } from './s3-warc-store.js';

/** The store CITESNAP_WARC_STORE names. Opening does no I/O: `check()` does. */
export function openWarcStore(setting: WarcStoreSetting): WarcStore {
  return setting.kind === 'folder' ? new FolderWarcStore(setting.folder) : new S3WarcStore(setting);
}
