import { configFrom, EXIT, parseCommandArgs } from './command-line.js';
import { errnoCode, UsageError } from '../src/errors.js';
import { openWarcFiles } from '../src/pipeline/open-pipeline.js';
import { openStore } from '../src/pipeline/open-store.js';
import { startServer } from '../src/serve/server.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * `citesnap serve [--host H] [--port P]`: the read-only web server over the data dir,
 * until SIGINT or SIGTERM. The flags win over CITESNAP_SERVE_HOST and CITESNAP_SERVE_PORT.
 */
export async function serveCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', args, {
    host: { type: 'string' },
    port: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`serve: unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.host !== undefined && values.host.trim() === '')
    throw new UsageError('serve: --host: expected an address');
  const config = configFrom(values, process.env, {
    ...(values.host === undefined ? {} : { serveHost: values.host }),
    ...(values.port === undefined ? {} : { servePort: values.port }),
  });
  const store = openStore(config);
  const warcFiles = openWarcFiles(config);
  let server;
  try {
    server = await startServer({
      dataDir: config.dataDir,
      store,
      warcFiles: warcFiles.reader,
      listWarcFiles: () => warcFiles.store.list(),
      host: config.serveHost,
      port: config.servePort,
    });
  } catch (error) {
    await store.close();
    await warcFiles.store.close();
    const code = errnoCode(error);
    if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
      throw new UsageError(`serve: cannot listen on ${config.serveHost}:${config.servePort} (${code})`);
    throw error;
  }
  if (!LOOPBACK.has(server.host))
    process.stderr.write(
      `citesnap serve: listening on ${server.host}, not loopback: anyone who can reach this machine can read the archive\n`,
    );
  process.stdout.write(`citesnap serve: ${server.url} (data dir ${config.dataDir}); Ctrl-C stops it\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  await store.close();
  await warcFiles.store.close();
  return EXIT.ok;
}
