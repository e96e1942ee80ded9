import type { Knex } from 'knex';
import { ValidationError, says } from './errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One key of a descending sort, with the PostgreSQL type its cursor value is cast back to. */
export interface SortKey {
  column: string; // a qualified column, written by code (never from the request)
  type: 'integer' | 'timestamptz' | 'uuid';
}

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2})(?::(\d{2}))?)$/;

/** A timestamp PostgreSQL takes as it stands: a real calendar day, a real time of day, an offset it knows. */
function isTimestamp(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = TIMESTAMP.exec(v);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  // Day 0 of the next month is the last day of this one (UTC, so no zone shifts it).
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
  if (m[9] !== undefined && (Number(m[9]) > 15 || Number(m[10] ?? 0) > 59)) return false;
  return true;
}

const VALID: Record<SortKey['type'], (v: unknown) => boolean> = {
  integer: (v) => Number.isInteger(v) && (v as number) >= INT4_MIN && (v as number) <= INT4_MAX,
  timestamptz: isTimestamp,
  uuid: (v) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v),
};

const BIGINT_MAX = 9223372036854775807n;

const notACursor = () => new ValidationError([{ field: '/query/cursor', rule: 'cursor', ...says('field.cursor') }]);

/** A cursor that is a positive bigint id (PostgreSQL's bigserial), as a string PostgreSQL will take. */
export function bigintCursor(cursor: string): string {
  if (!/^[1-9]\d{0,18}$/.test(cursor) || BigInt(cursor) > BIGINT_MAX) throw notACursor();
  return cursor;
}

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

/** The sort keys a cursor carries, each one a value its PostgreSQL type takes; anything else is a 400. */
export function decodeCursor(cursor: string, keys: SortKey[]): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === keys.length && keys.every((k, i) => VALID[k.type](v[i]))) return v;
  } catch {
    // fall through
  }
  throw notACursor();
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
