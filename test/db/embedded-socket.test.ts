import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../bin/embedded-postgres';
import { freePort } from '../../bin/cluster';
import { createDb } from '../../db/knex';

// `npm start`'s own processes reach its embedded PostgreSQL through a Unix socket in the data folder (cheaper a round
// trip than loopback TCP); anything else, and a folder whose socket path would not fit, uses the loopback port.

jest.setTimeout(120_000);

let dir: string;
let pg: EmbeddedPg;
let port: number;

beforeAll(async () => {
  // Under the system's temporary folder, not a private one: the server's own user must reach its data folder.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-socket-'));
  fs.chmodSync(dir, 0o755);
  port = await freePort();
  pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port, fast: true });
});
afterAll(async () => {
  await pg?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function serverAddress(url: string): Promise<string | null> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ addr: string | null }>('select inet_server_addr()::text as addr')).rows[0].addr;
  } finally {
    await client.end();
  }
}

test('a local client connects through the Unix socket in the data folder; the loopback port still answers', async () => {
  expect(pg.localUrl('postgres')).toContain(`host=${encodeURIComponent(path.join(dir, 'pg'))}`);
  expect(fs.existsSync(path.join(dir, 'pg', `.s.PGSQL.${port}`))).toBe(true);
  // No server address: the connection is a Unix socket's.
  expect(await serverAddress(pg.localUrl('postgres'))).toBeNull();
  expect(await serverAddress(pg.url('postgres'))).toBe('127.0.0.1/32');
  // The product's pool (knex, which parses the URL itself) takes the socket too.
  const db = createDb({ url: pg.localUrl('postgres'), poolMax: 1 });
  try {
    expect((await db.raw<{ rows: { addr: string | null }[] }>('select inet_server_addr()::text as addr')).rows[0].addr).toBeNull();
  } finally {
    await db.destroy();
  }
});

test('a data folder whose socket path would not fit keeps to the loopback port', async () => {
  const deep = path.join(dir, 'x'.repeat(60), 'y'.repeat(40), 'pg');
  fs.mkdirSync(path.dirname(deep), { recursive: true, mode: 0o755 });
  const other = await startEmbeddedPostgres({ dataDir: deep, port: await freePort(), fast: true });
  try {
    expect(other.localUrl('postgres')).toBe(other.url('postgres'));
    expect(await serverAddress(other.localUrl('postgres'))).toBe('127.0.0.1/32');
  } finally {
    await other.stop();
  }
});
