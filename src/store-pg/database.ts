import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { DatabaseUnavailableError, messageOf } from '../errors.js';

/**
 * One PostgreSQL connection pool for a process's store, claims and migrations. The
 * `pg` module is loaded on the first query, so a command on the embedded default (the
 * data dir) never loads it, and opening a store stays synchronous like the data dir's.
 * Every query is counted: bench/store reports queries per document.
 */
export class Database {
  readonly url: string;
  #pool: Promise<Pool> | undefined;
  #queries = 0;
  #closed = false;

  constructor(options: { url: string }) {
    this.url = options.url;
  }

  /** The URL without its password, for messages and logs. */
  redactedUrl(): string {
    return redactDatabaseUrl(this.url);
  }

  /** Queries sent so far (each statement is one round trip). */
  queryCount(): number {
    return this.#queries;
  }

  async query<Row extends QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]> {
    const pool = await this.#open();
    this.#queries += 1;
    try {
      return (await pool.query<Row>(text, values)).rows;
    } catch (error) {
      throw this.#explain(error);
    }
  }

  /** Runs `work` on one connection inside BEGIN … COMMIT (ROLLBACK when it throws). */
  async transaction<T>(work: (client: Client) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /** Runs `work` on one connection of the pool (a session-level advisory lock needs one). */
  async withClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const pool = await this.#open();
    let connection: PoolClient;
    try {
      connection = await pool.connect();
    } catch (error) {
      throw this.#explain(error);
    }
    const client: Client = {
      query: async <Row extends QueryResultRow>(text: string, values?: unknown[]) => {
        this.#queries += 1;
        try {
          return (await connection.query<Row>(text, values)).rows;
        } catch (error) {
          throw this.#explain(error);
        }
      },
    };
    let broken = false;
    try {
      return await work(client);
    } catch (error) {
      broken = error instanceof DatabaseUnavailableError;
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await (await pool.catch(() => undefined))?.end();
  }

  #open(): Promise<Pool> {
    if (this.#closed) return Promise.reject(new Error(`the database connection ${this.redactedUrl()} is closed`));
    this.#pool ??= import('pg').then(({ default: pg }) => {
      const pool = new pg.Pool({ connectionString: this.url, max: 10, idleTimeoutMillis: 10_000 });
      // An idle connection the server dropped: the pool replaces it; the next query on it reports.
      pool.on('error', () => undefined);
      return pool;
    });
    return this.#pool;
  }

  /** A connection that could not be made, or a schema not made yet, as an error the CLI reports in one line. */
  #explain(error: unknown): unknown {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === '42P01')
      return new DatabaseUnavailableError(
        `${this.redactedUrl()}: the database has no citesnap tables (${messageOf(error)}); run \`citesnap migrate\``,
        { cause: error },
      );
    // A column a later migration adds (a serve or show of a newer version on a schema not yet upgraded).
    if (code === '42703')
      return new DatabaseUnavailableError(
        `${this.redactedUrl()}: the citesnap schema is older than this citesnap (${messageOf(error)}); run \`citesnap migrate\``,
        { cause: error },
      );
    const unreachable =
      typeof code === 'string' &&
      (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].includes(code) ||
        code.startsWith('08') || // connection exceptions
        code === '3D000' || // no such database
        code === '28000' || // no such role / refused by pg_hba
        code === '28P01' || // wrong password
        code === '57P01' || // the server shut down
        code === '57P03'); // the server is starting
    if (unreachable)
      return new DatabaseUnavailableError(`PostgreSQL at ${this.redactedUrl()}: ${messageOf(error)}`, {
        cause: error,
      });
    return error;
  }
}

/** One connection of the pool, as `Database.transaction` and `withClient` lend it. */
export interface Client {
  query<Row extends QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>;
}

/** `postgres://user:secret@host/db` -> `postgres://user:***@host/db`. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unreadable database URL)';
  }
}
