import type { RecordedExchange } from '../model/index.js';
import type { ExchangeRecorder } from '../ports.js';
import type { WarcWriter, WrittenExchange } from './warc-writer.js';

export function warcRecorder(writer: WarcWriter): ExchangeRecorder {
  return async (exchange, options = {}) => {
    const recordedOf = (written: WrittenExchange): RecordedExchange => {
      const recorded: RecordedExchange = {
        at: exchange.startedAt.toISOString(),
        warc: written.response,
        sha256: written.payloadSha256.replace(/^sha256:/, ''),
      };
      if (exchange.response.truncated) recorded.truncated = true;
      return recorded;
    };
    const { beforeWrite } = options;
    const written = await writer.writeExchange(
      {
        url: exchange.url,
        date: exchange.startedAt,
        remoteAddress: exchange.remoteAddress,
        request: {
          method: exchange.method,
          httpVersion: exchange.request.httpVersion,
          headers: exchange.request.headers,
        },
        response: exchange.response,
      },
      beforeWrite === undefined ? {} : { beforeWrite: (placed) => beforeWrite(recordedOf(placed)) },
    );
    return recordedOf(written);
  };
}
