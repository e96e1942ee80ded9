import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createDb, migrateLatest, pendingMigrations, type Db } from '../../db/knex';
import { migrationSource } from '../../db/migrations';
import { withDatabase } from '../helpers/shared';

// Its own empty database (not a clone of the migrated template), so the migrations run from nothing.
const adminUrl = process.env.FUHUA_TEST_PG_URL as string;
const dbName = `mig_${crypto.randomBytes(6).toString('hex')}`;
let db: Db;

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const KNEX_TABLES = ['knex_migrations', 'knex_migrations_lock'];
async function appTables(): Promise<string[]> {
  const rows = await db('information_schema.tables').where({ table_schema: 'public' }).pluck('table_name');
  return (rows as string[]).filter((t) => !KNEX_TABLES.includes(t)).sort();
}
async function enumTypes(): Promise<string[]> {
  const res = await db.raw(`select t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace where n.nspname = 'public' and t.typtype = 'e' order by 1`);
  return res.rows.map((r: { typname: string }) => r.typname);
}

beforeAll(async () => {
  if (!adminUrl) throw new Error('integration tests need the global setup (run them through jest)');
  await admin(`CREATE DATABASE ${dbName}`);
  db = createDb({ url: withDatabase(adminUrl, dbName), poolMax: 2 });
});
afterAll(async () => {
  await db?.destroy();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

/** Every migration file in the folder, by name: the list the index must match, read without the index. */
const MIGRATIONS_DIR = path.join(__dirname, '../../db/migrations');
const onDisk = () => fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{14}_.+\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();

test('the migration index lists exactly the migration files in the folder, in order', async () => {
  const files = onDisk();
  expect(files.length).toBeGreaterThan(0);
  // Nothing else lives in the folder but the index itself.
  expect(fs.readdirSync(MIGRATIONS_DIR).filter((f) => !files.includes(f.replace(/\.ts$/, ''))).sort()).toEqual(['index.ts']);
  expect(await migrationSource.getMigrations([])).toEqual(files);
});

test('on a fresh database, migrate up, roll all the way down leaving no app tables, and migrate up again with nothing pending', async () => {
  const all = onDisk();
  expect(all.length).toBeGreaterThan(0);
  expect(await appTables()).toEqual([]);
  expect(await pendingMigrations(db)).toEqual(all);

  expect(await migrateLatest(db)).toEqual(all);
  const tables = await appTables();
  expect(tables).toEqual(expect.arrayContaining(['users', 'organisations', 'regions', 'sessions', 'audit_log', 'idempotency_keys', 'projects']));
  expect(await enumTypes()).toEqual(expect.arrayContaining(['organisation_kind', 'region_level']));
  expect(await pendingMigrations(db)).toEqual([]);

  const [, rolledBack] = (await db.migrate.rollback(undefined, true)) as [number, string[]];
  expect([...rolledBack].sort()).toEqual(all);
  expect(await appTables()).toEqual([]);
  expect(await enumTypes()).toEqual([]);
  expect(await pendingMigrations(db)).toEqual(all);

  expect(await migrateLatest(db)).toEqual(all);
  expect(await appTables()).toEqual(tables);
  expect(await pendingMigrations(db)).toEqual([]);
  // The schema works after the round trip: a row goes in with its defaults.
  const [row] = await db('regions').insert({ name: 'Hangzhou', level: 'city', path: '/x/' }).returning(['id', 'created_at']);
  expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(row.created_at).toBeInstanceOf(Date);
});

test('running the migrations again when they are current applies nothing', async () => {
  await migrateLatest(db);
  expect(await migrateLatest(db)).toEqual([]);
  expect(await pendingMigrations(db)).toEqual([]);
});
