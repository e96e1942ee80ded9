import knexFactory, { type Knex } from 'knex';
import { migrationSource } from './migrations';

export type Db = Knex;

export interface DbOptions {
  url: string;
  poolMax?: number;
  /** Where knex's own warnings go (a connection lost, a pool error); without it, knex writes them to the console. */
  log?: { warn(msg: string, fields?: Record<string, unknown>): void; error(msg: string, fields?: Record<string, unknown>): void };
}

/** One knex instance per process; migrations come from a static list so they load the same under tsx, jest and Docker. */
export function createDb({ url, poolMax = 10, log }: DbOptions): Db {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    migrations: { migrationSource, tableName: 'knex_migrations' },
    ...(log ? { log: { warn: (m: unknown) => log.warn(String(m), { part: 'database' }), error: (m: unknown) => log.error(String(m), { part: 'database' }), deprecate: (m: unknown) => log.warn(String(m), { part: 'database' }), debug: () => undefined } } : {}),
  });
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, names] = (await db.migrate.latest()) as [number, string[]];
  return names;
}

export async function pendingMigrations(db: Db): Promise<string[]> {
  // The static source lists migrations by name, so knex hands back names here (not {file} objects as from a folder).
  const [, pending] = (await db.migrate.list()) as [unknown[], string[]];
  return pending.map((p) => migrationSource.getMigrationName(p));
}
