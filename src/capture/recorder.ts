import type { RecordedExchange } from '../model/index.js';
import type { ExchangeRecorder } from '../ports.js';
import type { WarcWriter } from './warc-writer.js';

export function warcRecorder(writer: WarcWriter): ExchangeRecorder {
  return async (exchange) => {
    const written = await writer.writeExchange({
      url: exchange.url,
      date: exchange.startedAt,
      remoteAddress: exchange.remoteAddress,
      request: { method: exchange.method, httpVersion: exchange.request.httpVersion, headers: exchange.request.headers },
      response: exchange.response,
    });
    const recorded: RecordedExchange = {
      at: exchange.startedAt.toISOString(),
      warc: written.response,
      sha256: written.payloadSha256.replace(/^sha256:/, ''),
    };
    if (exchange.response.truncated) recorded.truncated = true;
    return recorded;
  };
}
