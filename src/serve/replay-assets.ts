import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReplayAsset } from './routes.js';

/**
 * Where ReplayWeb.page's files are on disk: the replaywebpage package's own ui.js (the
 * viewer), sw.js (its service worker, which reads the WACZ and replays from it) and
 * index.html, served by citesnap so that replay needs no CDN and works offline. The
 * package exports its index.html, not its package.json: found from that.
 */
export function replayAssetPaths(): Record<ReplayAsset, string> {
  const folder = dirname(createRequire(import.meta.url).resolve('replaywebpage/index.html'));
  return { 'index.html': join(folder, 'index.html'), 'ui.js': join(folder, 'ui.js'), 'sw.js': join(folder, 'sw.js') };
}
