import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.js';

/**
 * Plain versioned SQL migrations: `migrations/NNNN_name.sql` in the package (shipped
 * in its `files`), each applied once, in order, inside a transaction, and noted in
 * `citesnap_migrations`. Several processes may migrate at once (every `worker` and
 * `archive` does at start): a session advisory lock lets one apply what is missing
 * while the others wait, then find nothing left to do.
 */

/** The advisory lock's key: any fixed bigint; this one spells "citesnap" in ASCII. */
const MIGRATION_LOCK = '7163377387003162992';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrateResult {
  /** Migrations this call applied (none when the schema was up to date). */
  applied: string[];
  /** The schema's version afterwards. */
  version: number;
}

/** The folder of the migrations: beside src/ when run from source, beside dist/ once built. */
export function migrationsFolder(): string {
  for (const relative of ['../../migrations/', '../../../migrations/']) {
    const folder = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(folder)) return folder;
  }
  throw new Error('the migrations folder is missing from the citesnap package');
}

export async function readMigrations(folder = migrationsFolder()): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const file of (await readdir(folder)).sort()) {
    const match = /^(\d{4})_([a-z0-9_-]+)\.sql$/.exec(file);
    if (match === null) continue;
    migrations.push({
      version: Number(match[1]),
      name: file,
      sql: await readFile(`${folder}/${file}`, 'utf8'),
    });
  }
  return migrations;
}

/** Creates or upgrades the schema; idempotent, and safe when several processes run it at once. */
export async function migrate(database: Database, migrations?: Migration[]): Promise<MigrateResult> {
  const wanted = migrations ?? (await readMigrations());
  return database.withClient(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS citesnap_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM citesnap_migrations')).map((row) => row.version),
      );
      const applied: string[] = [];
      for (const migration of wanted) {
        if (done.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO citesnap_migrations (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        applied.push(migration.name);
        done.add(migration.version);
      }
      return { applied, version: Math.max(0, ...done) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
}
