import request from 'supertest';
import { bigintCursor, decodeCursor, sortedPage, type SortKey } from '../../api/paging';
import { ValidationError } from '../../api/errors';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';

// Every cursor the API accepts must be one PostgreSQL takes: a cursor it refuses answered 500 before.
let stack: Stack;
let admin: TestUser;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const KEYS: SortKey[] = [
  { column: 'x.n', type: 'integer' },
  { column: 'x.t', type: 'timestamptz' },
  { column: 'x.id', type: 'uuid' },
];
const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ID = '00000000-0000-4000-8000-000000000000';
const page = (cursor: string) =>
  sortedPage(stack.db, stack.db.from(stack.db.raw("(select 1::integer as n, now() as t, gen_random_uuid() as id) as x")), KEYS, { limit: 5, cursor }, (r: { n: number }) => r.n);

describe('cursors', () => {
  test.each([
    ['the largest 32-bit integer', [2 ** 31 - 1, '2026-02-28T10:00:00.123456+00:00', ID]],
    ['the smallest 32-bit integer', [-(2 ** 31), '2026-02-28T10:00:00Z', ID]],
    ['a leap day in a leap year', [1, '2028-02-29T23:59:59.999999Z', ID]],
    ['the last instant of year 9999 with the widest offset', [1, '9999-12-31T23:59:59+15:59', ID]],
  ])('when a cursor carries %s, PostgreSQL takes it and the page is read', async (_what, keys) => {
    expect(decodeCursor(encode(keys), KEYS)).toEqual(keys);
    await expect(page(encode(keys))).resolves.toMatchObject({ items: expect.any(Array) });
  });

  test.each([
    ['an integer of 2^31', [2 ** 31, '2026-02-28T10:00:00Z', ID]],
    ['an integer below -2^31', [-(2 ** 31) - 1, '2026-02-28T10:00:00Z', ID]],
    ['a fraction', [1.5, '2026-02-28T10:00:00Z', ID]],
    ['the 31st of February', [1, '2026-02-31T10:00:00Z', ID]],
    ['the 29th of February in a common year', [1, '2026-02-29T10:00:00Z', ID]],
    ['the 31st of April', [1, '2026-04-31T10:00:00Z', ID]],
    ['month 13', [1, '2026-13-01T10:00:00Z', ID]],
    ['hour 24', [1, '2026-01-01T24:00:00Z', ID]],
    ['a leap second', [1, '2026-01-01T23:59:60Z', ID]],
    ['year 0', [1, '0000-01-01T00:00:00Z', ID]],
    ['an offset of 16 hours', [1, '2026-01-01T00:00:00+16:00', ID]],
    ['an id in capitals', [1, '2026-01-01T00:00:00Z', 'ABCDEF00-0000-4000-8000-00000000000A']],
    ['too few keys', [1, '2026-01-01T00:00:00Z']],
  ])('when a cursor carries %s, it is refused as a validation error before any query', async (_what, keys) => {
    expect(() => decodeCursor(encode(keys), KEYS)).toThrow(ValidationError);
    await expect(page(encode(keys))).rejects.toBeInstanceOf(ValidationError);
  });

  test('when a cursor is not base64 JSON at all (twenty nines), it is refused as a validation error', async () => {
    expect(() => decodeCursor('99999999999999999999', KEYS)).toThrow(ValidationError);
  });

  test('a bigint id cursor is taken up to 2^63-1 and refused beyond it, at zero and with leading zeros', async () => {
    expect(bigintCursor('9223372036854775807')).toBe('9223372036854775807');
    const [{ ok }] = (await stack.db.raw('select ?::bigint > 0 as ok', [bigintCursor('9223372036854775807')])).rows;
    expect(ok).toBe(true);
    for (const c of ['9223372036854775808', '99999999999999999999', '0', '007', '-1', '1e3']) expect(() => bigintCursor(c)).toThrow(ValidationError);
  });

  test('when a list is asked with the 31st of February in its cursor, it answers 400 naming the cursor', async () => {
    const res = await request(stack.app)
      .get('/api/v1/regions')
      .query({ cursor: encode(['2026-02-31T00:00:00Z', ID]) })
      .set('Authorization', `Bearer ${admin.token}`);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/cursor', rule: 'cursor' })]);
  });
});
