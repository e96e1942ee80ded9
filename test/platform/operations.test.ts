// The typed-operations layer itself: what every operation gets without writing it (canonical ids, clean text, a
// direct write and its Idempotency-Key in one transaction, answers checked against their declared schemas).
import crypto from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { defineOperation } from '../../api/operation';
import { RouteRegistry } from '../../api/registry';
import { NotFoundError } from '../../api/errors';
import { Type } from '../../api/schema';
import { withKey } from '../../api/idempotency';
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

const auth = (req: request.Test) => req.set('Authorization', `Bearer ${admin.token}`);
const regionCount = async () => Number((await stack.db('regions').count<{ count: string }[]>('* as count'))[0].count);

describe('ids', () => {
  test.each([
    ['urn:uuid: prefixed', `urn:uuid:${crypto.randomUUID()}`],
    ['in braces', `{${crypto.randomUUID()}}`],
    ['without dashes', crypto.randomUUID().replaceAll('-', '')],
  ])('a path id %s answers 400 naming /params/id and the uuid format', async (_what, id) => {
    const res = await auth(request(stack.app).get(`/api/v1/regions/${encodeURIComponent(id)}`));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/params/id', rule: 'format' })]);
  });

  test('a urn:uuid body reference on another operation is refused the same way', async () => {
    const res = await auth(request(stack.app).get(`/api/v1/organisations/urn:uuid:${crypto.randomUUID()}`));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/params/id', rule: 'format' })]);
  });
});

describe('free text', () => {
  test.each([
    ['a NUL', 'Lane\u0000 9'],
    ['a lone high surrogate', 'Lane \ud800 9'],
    ['a lone low surrogate', 'Lane \udc00 9'],
    ['a bell character', 'Lane \u0007 9'],
  ])('a name with %s answers 400 naming the field and writes nothing', async (_what, name) => {
    const before = await regionCount();
    const res = await auth(request(stack.app).post('/api/v1/regions')).send({ name, level: 'city' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/name', rule: 'format' })]);
    expect(await regionCount()).toBe(before);
  });

  test('tabs, newlines, CRLF and characters outside the BMP are text', async () => {
    const name = '福寿\t社区\r\n𠀀 9';
    const res = await auth(request(stack.app).post('/api/v1/regions')).send({ name, level: 'city' });
    expect(res.status).toBe(201);
    expect((await stack.db('regions').where({ id: res.body.id }).first()).name).toBe(name);
  });

  test('a poisoned text field of another operation is refused before anything is written', async () => {
    const before = Number((await stack.db('organisations').count<{ count: string }[]>('* as count'))[0].count);
    const res = await auth(request(stack.app).post('/api/v1/organisations')).send({ name: 'Sunrise\u0000', kind: 'social_work_organisation', creditCode: '91330000MA2XXXXX0X' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: '/body/name', rule: 'format' })]));
    expect(Number((await stack.db('organisations').count<{ count: string }[]>('* as count'))[0].count)).toBe(before);
  });
});

describe('a direct write with an Idempotency-Key', () => {
  test('sent twice, it writes one row, and the second answer is the first one replayed', async () => {
    const key = crypto.randomUUID();
    const body = { name: `Idem ${key}`, level: 'city' };
    const first = await auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body);
    const second = await auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await stack.db('regions').where({ name: body.name }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);
    const stored = await stack.db('idempotency_keys').where({ user_id: admin.id, key }).first();
    expect(stored.status).toBe(201);
  });

  test('sent ten times at once, it still writes one row and every answer is the same', async () => {
    const key = crypto.randomUUID();
    const body = { name: `Race ${key}`, level: 'city' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(await stack.db('regions').where({ name: body.name }).count<{ count: string }[]>('* as count')).toEqual([{ count: '1' }]);
  });

  test('when the write is refused by a rule, nothing is written and the refusal is replayed to the retry', async () => {
    const key = crypto.randomUUID();
    const body = { name: 'Orphan street', level: 'street' };
    const before = await regionCount();
    const first = await auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body);
    const second = await auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(422);
    expect(second.status).toBe(422);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await regionCount()).toBe(before);
  });

  test('when an operation has committed its answer with its write (as the funding desk does) and then fails, the answer stays and the retry replays it', async () => {
    const key = crypto.randomUUID();
    const req = { userId: admin.id, key, method: 'POST', path: '/api/v1/desk-like', body: { n: 1 } };
    let writes = 0;
    const run = async () => {
      writes++;
      // The write and its answer commit together, as the desk's function does; then the process fails on its way out.
      await stack.db('idempotency_keys').where({ user_id: admin.id, key }).update({ status: 201, response: JSON.stringify({ status: 201, body: { written: writes } }) });
      throw new Error('connection reset after commit');
    };
    await expect(withKey(stack.db, req, run)).rejects.toThrow('connection reset');
    const retry = await withKey(stack.db, req, run);
    expect(writes).toBe(1);
    expect(retry).toEqual(expect.objectContaining({ status: 201, body: { written: 1 } }));
  });

  test('when an operation fails with a server error before answering, its key is released and the retry runs again', async () => {
    const key = crypto.randomUUID();
    const req = { userId: admin.id, key, method: 'POST', path: '/api/v1/update-like', body: { n: 1 } };
    await expect(withKey(stack.db, req, async () => { throw new Error('temporal unavailable'); })).rejects.toThrow('temporal unavailable');
    expect(await stack.db('idempotency_keys').where({ user_id: admin.id, key }).first()).toBeUndefined();
    expect(await withKey(stack.db, req, async () => ({ status: 200, body: { ok: true } }))).toEqual(expect.objectContaining({ body: { ok: true } }));
  });

  test('a key older than 24 hours is forgotten: the same key then makes a new write', async () => {
    const key = crypto.randomUUID();
    const body = { name: `Old ${key}`, level: 'city' };
    await auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body);
    await stack.db('idempotency_keys').where({ user_id: admin.id, key }).update({ created_at: new Date(Date.now() - 25 * 3600_000) });
    const again = await auth(request(stack.app).post('/api/v1/regions')).set('Idempotency-Key', key).send(body);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await stack.db('regions').where({ name: body.name }).count<{ count: string }[]>('* as count')).toEqual([{ count: '2' }]);
  });
});

describe('answers are held to their declared schemas in tests', () => {
  const registry = new RouteRegistry();
  registry.addAll([
    defineOperation({
      operationId: 'probe.wrongAnswer',
      method: 'get',
      path: '/api/v1/probe/wrong',
      summary: 'Answers a body its schema refuses',
      tag: 'probe',
      access: 'public',
      response: Type.Object({ n: Type.Integer() }, { additionalProperties: false }),
      handler: async () => ({ body: { n: 'seven' } as unknown as { n: number } }),
    }),
    defineOperation({
      operationId: 'probe.undeclared404',
      method: 'get',
      path: '/api/v1/probe/missing',
      summary: 'Answers a 404 it does not declare',
      tag: 'probe',
      access: 'public',
      response: Type.Object({}),
      handler: async () => {
        throw new NotFoundError();
      },
    }),
    defineOperation({
      operationId: 'probe.declared404',
      method: 'get',
      path: '/api/v1/probe/declared',
      summary: 'Answers a 404 it declares',
      tag: 'probe',
      access: 'public',
      response: Type.Object({}),
      problems: [404],
      handler: async () => {
        throw new NotFoundError();
      },
    }),
  ]);

  test('a body that does not match the declared answer becomes a 500 naming the operation and the field', async () => {
    const app = createApp(stack.deps, registry);
    const res = await request(app).get('/api/v1/probe/wrong');
    expect(res.status).toBe(500);
    expect(res.body.detail).toMatch(/probe\.wrongAnswer.*\/response\/n/);
  });

  test('a problem status the operation does not declare becomes a 500 naming it; a declared one passes', async () => {
    const app = createApp(stack.deps, registry);
    const undeclared = await request(app).get('/api/v1/probe/missing');
    expect(undeclared.status).toBe(500);
    expect(undeclared.body.detail).toMatch(/probe\.undeclared404 answered 404/);
    const declared = await request(app).get('/api/v1/probe/declared');
    expect(declared.status).toBe(404);
  });
});
