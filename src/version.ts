import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageJson {
  name?: string;
  version?: string;
}

// The same module runs from src/ (tests, tsx) and from dist/src/ (the bin), so the
// package.json is found by walking up rather than by a fixed relative path.
function readOwnPackageJson(): PackageJson {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const parsed = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
      if (parsed.name === 'citesnap') return parsed;
    } catch {
      // not here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return {};
    dir = parent;
  }
}

export const VERSION: string = readOwnPackageJson().version ?? '0.0.0';
export const PROJECT_URL = 'https://github.com/citesnap/citesnap';
