import crypto from 'node:crypto';
import { as } from '../helpers/api';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let admin: TestUser;
beforeAll(async () => {
  stack = await startStack({ worker: false });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const task = (extra: Record<string, unknown>) => ({ key: `k-${crypto.randomBytes(6).toString('hex')}`, kind: 'review.score', title: 'Score the proposal', ...extra });

describe('the inbox', () => {
  test('a user sees the open tasks named to them and those for their role in their organisation, not another organisation’s or a done one', async () => {
    const organisation = (await as(stack, admin).post('/api/v1/organisations', { name: 'Inbox org', kind: 'social_work_organisation', creditCode: creditCode(880_001) })).body;
    const other = (await as(stack, admin).post('/api/v1/organisations', { name: 'Other org', kind: 'social_work_organisation', creditCode: creditCode(880_002) })).body;
    const applicant = await createUser(stack, ['applicant'], { organisationId: organisation.id });
    const [mine, ours, theirs, done] = await stack.db('tasks')
      .insert([
        task({ user_id: applicant.id }),
        task({ role: 'applicant', organisation_id: organisation.id }),
        task({ role: 'applicant', organisation_id: other.id }),
        task({ user_id: applicant.id, status: 'done', completed_at: new Date() }),
      ])
      .returning('id');
    const open = await as(stack, applicant).get('/api/v1/me/tasks');
    expect(open.status).toBe(200);
    expect(open.body.items.map((t: { id: string }) => t.id).sort()).toEqual([mine.id, ours.id].sort());
    expect(open.body.items[0]).toMatchObject({ kind: 'review.score', status: 'open', projectId: null, completedAt: null });
    const closed = await as(stack, applicant).get('/api/v1/me/tasks?status=done');
    expect(closed.body.items.map((t: { id: string }) => t.id)).toEqual([done.id]);
    expect(await stack.db('tasks').where({ id: theirs.id, status: 'open' })).toHaveLength(1);
  });

  test('when the status is not open or done, it answers 400', async () => {
    const res = await as(stack, admin).get('/api/v1/me/tasks?status=pending');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/status' })]);
  });
});
