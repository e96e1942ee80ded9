import type { Knex } from 'knex';
import { ValidationError } from './errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One key of a descending sort, with the PostgreSQL type its cursor value is cast back to. */
export interface SortKey {
  column: string; // a qualified column, written by code (never from the request)
  type: 'integer' | 'timestamptz' | 'uuid';
}

const VALID: Record<SortKey['type'], (v: unknown) => boolean> = {
  integer: (v) => Number.isSafeInteger(v),
  timestamptz: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:\d{2})?)$/.test(v) && !Number.isNaN(Date.parse(v.replace(/(\.\d{3})\d+/, '$1'))),
  uuid: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v),
};

/**
 * Keyset paging over any descending sort keys (the last must be unique, e.g. the id).
 * The cursor carries the keys as PostgreSQL prints them, timestamps to the microsecond: rows written in one
 * transaction share `created_at`, and a millisecond cursor would skip every one of them after the first page.
 */
export async function sortedPage<Row, T>(
  db: Knex | Knex.Transaction,
  query: Knex.QueryBuilder,
  keys: SortKey[],
  opts: { limit: number; cursor?: string },
  map: (row: Row) => T,
): Promise<Page<T>> {
  const columns = keys.map((k) => k.column).join(', ');
  query.select(db.raw(`json_build_array(${columns})::text as page_key`));
  if (opts.cursor) {
    query.whereRaw(`(${columns}) < (${keys.map((k) => `?::${k.type}`).join(', ')})`, decodeCursor(opts.cursor, keys) as Knex.Value[]);
  }
  const rows = (await query.orderBy(keys.map((k) => ({ column: k.column, order: 'desc' as const }))).limit(opts.limit + 1)) as (Row & { page_key: string })[];
  const more = rows.length > opts.limit;
  const page = more ? rows.slice(0, opts.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(({ page_key: _key, ...row }) => map(row as unknown as Row)),
    nextCursor: more && last ? Buffer.from(last.page_key).toString('base64url') : null,
  };
}

function decodeCursor(cursor: string, keys: SortKey[]): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === keys.length && keys.every((k, i) => VALID[k.type](v[i]))) return v;
  } catch {
    // fall through
  }
  throw new ValidationError([{ field: '/query/cursor', rule: 'cursor', message: 'is not a cursor this API gave out' }]);
}

/** Newest first on (created_at, id): the usual order of a list. */
export function keysetPage<Row, T>(db: Knex | Knex.Transaction, query: Knex.QueryBuilder, opts: { limit: number; cursor?: string; table: string }, map: (row: Row) => T): Promise<Page<T>> {
  return sortedPage(db, query, [{ column: `${opts.table}.created_at`, type: 'timestamptz' }, { column: `${opts.table}.id`, type: 'uuid' }], opts, map);
}

/** `%text%` for LIKE/ILIKE with the text's own % _ and \ taken literally. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
