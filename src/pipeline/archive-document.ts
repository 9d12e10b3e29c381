import { messageOf, SidecarError, StorageWriteError } from '../errors.js';
import { extractFromHtml, extractFromText } from '../extract/index.js';
import { SCHEMA_VERSION, type DocumentRecord } from '../model/index.js';
import { writeFileAtomic } from '../record/atomic-file.js';
import { serializeRecord, sidecarPathFor } from '../record/serialize.js';
import { sha256Hex, type LoadedSource } from '../source.js';
import { checkCitations, previousById, type PipelinePorts } from './check-citations.js';

export interface ArchiveRequest {
  docId: string;
  source: LoadedSource;
  /** Write `<name>.citations.json` next to a local source file (default true). */
  sidecar?: boolean;
}

/** The documents this process has started: each one's requests wait behind those of the ones before it (HostGate.acquire). */
let documentsStarted = 0;

/**
 * The whole pipeline for one document, used alike by the CLI and the queue worker:
 * extract -> resolve -> capture -> record. Running it again for the same document
 * within the refresh window reuses every check and leaves the same citations.
 */
export async function archiveDocument(request: ArchiveRequest, ports: PipelinePorts): Promise<DocumentRecord> {
  const { source } = request;
  const extracted = source.mediaType === 'text/html' ? extractFromHtml(source.text) : extractFromText(source.text);
  const previous = await ports.store.documents.read(request.docId);
  const citations = await checkCitations(extracted.citations, previousById(previous), ports, () => false, {
    order: documentsStarted++,
  });
  const sha256 = sha256Hex(source.bytes);
  // Before the record, so that a record never names a text that was not kept.
  await ports.store.sources?.keep(sha256, source.text);
  const record: DocumentRecord = {
    schemaVersion: SCHEMA_VERSION,
    docId: request.docId,
    source: {
      uri: source.uri,
      mediaType: source.mediaType,
      sha256,
      bytes: source.bytes.length,
      ...(extracted.title === undefined ? {} : { title: extracted.title }),
    },
    processedAt: ports.clock.now().toISOString(),
    citations,
  };
  await ports.store.documents.write(record);
  if (source.path !== undefined && request.sidecar !== false) {
    const sidecar = sidecarPathFor(source.path);
    try {
      await writeFileAtomic(sidecar, serializeRecord(record));
    } catch (error) {
      throw new SidecarError(
        `${sidecar}: cannot write the sidecar (${error instanceof StorageWriteError ? error.reason : messageOf(error)}); the record is in the data dir`,
        record,
        { cause: error },
      );
    }
  }
  return record;
}
