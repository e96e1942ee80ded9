import type { Knex } from 'knex';
import { ValidationError } from './errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset paging on (created_at desc, id desc): stable under inserts and fast at any depth. */
export async function keysetPage<Row extends { id: string; created_at: Date }, T>(
  query: Knex.QueryBuilder,
  opts: { limit: number; cursor?: string; table: string },
  map: (row: Row) => T,
): Promise<Page<T>> {
  const { limit, cursor, table } = opts;
  if (cursor) {
    const [at, id] = decodeCursor(cursor);
    query.whereRaw(`(${table}.created_at, ${table}.id) < (?, ?)`, [at, id]);
  }
  const rows = (await query.orderBy([
    { column: `${table}.created_at`, order: 'desc' },
    { column: `${table}.id`, order: 'desc' },
  ]).limit(limit + 1)) as Row[];
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { items: page.map(map), nextCursor: more && last ? encodeCursor(last.created_at, last.id) : null };
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0])) && /^[0-9a-f-]{36}$/.test(String(v[1]))) {
      return [v[0], String(v[1])];
    }
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: '/query/cursor', rule: 'cursor', message: 'is not a cursor this API gave out' }]);
}
