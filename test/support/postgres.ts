import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: POSTGRES_TEST_URL, default the machine's own on
 * 127.0.0.1:5432 (user postgres, trust auth; `.ci/run` starts it). Each test file makes
 * databases of its own, uniquely named, and drops them after.
 */
export function testPostgresUrl(database = 'postgres'): string {
  const url = new URL(process.env.POSTGRES_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new empty database (no citesnap schema: migrate it, or let `archive`/`worker` do). */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `citesnap_${label.replace(/[^a-z0-9]/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: testPostgresUrl(name),
    // WITH (FORCE) ends connections a killed child process left behind.
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
