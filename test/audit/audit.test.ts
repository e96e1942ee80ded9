import crypto from 'node:crypto';
import { as } from '../helpers/api';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let admin: TestUser;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

describe('the audit log', () => {
  test('when an admin pages through one actor’s entries, each page follows the last without gaps or repeats, newest first', async () => {
    const actor = await createUser(stack, ['admin']);
    for (let i = 0; i < 5; i++) await as(stack, actor).post('/api/v1/users', { login: `audited-${crypto.randomBytes(4).toString('hex')}`, displayName: 'x', password: 'a-long-enough-password', roles: ['funder'] });
    const expected = (await stack.db('audit_log').where({ actor_id: actor.id }).orderBy('id', 'desc').pluck('id')).map(String);
    expect(expected).toHaveLength(6); // its sign-in and five creations
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await as(stack, admin).get(`/api/v1/audit?actorId=${actor.id}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  test('an entry carries its before and after as written', async () => {
    const user = await createUser(stack, ['officer']);
    await as(stack, admin).patch(`/api/v1/users/${user.id}`, { displayName: '李主任' });
    const res = await as(stack, admin).get(`/api/v1/audit?objectType=user&objectId=${user.id}`);
    expect(res.status).toBe(200);
    const update = res.body.items.find((e: { action: string }) => e.action === 'update');
    expect(update).toMatchObject({ actorId: admin.id, objectType: 'user', objectId: user.id, before: { displayName: user.login }, after: { displayName: '李主任' } });
    expect(await stack.db('audit_log').where({ object_id: user.id, action: 'update' })).toHaveLength(1);
  });

  test.each([['past bigint', '99999999999999999999'], ['2^63', '9223372036854775808'], ['zero', '0'], ['not a number', 'abc']])(
    'when the cursor is %s, it answers 400 naming the cursor, not 500',
    async (_what, cursor) => {
      const res = await as(stack, admin).get(`/api/v1/audit?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/cursor', rule: 'cursor' })]);
    },
  );

  test('the largest bigint cursor is taken and reads from the newest entry', async () => {
    const res = await as(stack, admin).get('/api/v1/audit?cursor=9223372036854775807&limit=1');
    expect(res.status).toBe(200);
    const newest = await stack.db('audit_log').max<{ max: string }[]>('id as max');
    expect(res.body.items[0].id).toBe(String(newest[0].max));
  });
});
