import crypto from 'node:crypto';
import request from 'supertest';
import { startStack, createUser, creditCode, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let admin: TestUser;
let seed = 1000;
const nextCode = () => creditCode(seed++);

beforeAll(async () => {
  stack = await startStack({ worker: false });
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const auth = (req: request.Test, user: TestUser = admin) => req.set('Authorization', `Bearer ${user.token}`);
const post = (path: string, body: unknown) => auth(request(stack.app).post(path)).send(body as object);
const patch = (path: string, body: unknown) => auth(request(stack.app).patch(path)).send(body as object);
const get = (path: string) => auth(request(stack.app).get(path));
const count = async (table: string, where: Record<string, unknown> = {}) => Number((await stack.db(table).where(where).count<{ count: string }[]>('* as count'))[0].count);
const counts = async () => ({ organisations: await count('organisations'), regions: await count('regions'), users: await count('users'), audit: await count('audit_log') });

function expectProblem(res: request.Response, status: number, slug: string): void {
  expect({ status: res.status, type: res.body.type }).toEqual({ status, type: expect.stringMatching(new RegExp(`/${slug}$`)) });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(status);
  expect(res.body.requestId).toBe(res.headers['x-request-id']);
}

const organisation = (extra: Record<string, unknown> = {}) => ({ name: 'Sunrise Social Work Centre', kind: 'social_work_organisation', creditCode: nextCode(), ...extra });

describe('malformed and oversized bodies', () => {
  test('when the JSON is malformed, it answers 400 problem+json of type malformed and writes nothing', async () => {
    const before = await counts();
    const res = await auth(request(stack.app).post('/api/v1/organisations')).set('Content-Type', 'application/json').send('{"name": "Half', );
    expectProblem(res, 400, 'malformed');
    expect(await counts()).toEqual(before);
  });

  test('when the body is sent as text/plain, it answers 415 and writes nothing', async () => {
    const before = await counts();
    const res = await auth(request(stack.app).post('/api/v1/organisations')).set('Content-Type', 'text/plain').send(JSON.stringify(organisation()));
    expectProblem(res, 415, 'unsupported-media-type');
    expect(res.body.detail).toMatch(/text\/plain/);
    expect(await counts()).toEqual(before);
  });

  test('when the body is over the 64 KiB limit, it answers 413 and writes nothing', async () => {
    const before = await counts();
    const res = await post('/api/v1/organisations', organisation({ contact: 'x'.repeat(65 * 1024) }));
    expectProblem(res, 413, 'payload-too-large');
    expect(res.body.detail).toMatch(String(64 * 1024));
    expect(await counts()).toEqual(before);
  });

  test('a body just under the limit is parsed (and refused by the schema, not the size check)', async () => {
    const res = await post('/api/v1/organisations', organisation({ contact: 'x'.repeat(60 * 1024) }));
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: '/body/contact', rule: 'maxLength' })]));
    expect(res.body.errors.every((e: { field: string }) => e.field === '/body/contact')).toBe(true);
  });
});

describe('schema validation of POST /api/v1/organisations', () => {
  test('when fields have wrong types, are unknown or missing, it answers 400 listing each failing field and rule, and writes nothing', async () => {
    const before = await counts();
    const res = await post('/api/v1/organisations', { name: 'Org', creditCode: nextCode(), staffCount: 'many', volunteerCount: -1, grade: '6A', extra: true });
    expectProblem(res, 400, 'validation');
    const got = (res.body.errors as { field: string; rule: string }[]).map((e) => `${e.field} ${e.rule}`);
    expect(got).toEqual(
      expect.arrayContaining(['/body/kind required', '/body/staffCount type', '/body/volunteerCount minimum', '/body/extra additionalProperties']),
    );
    expect(got.some((g) => g.startsWith('/body/grade '))).toBe(true);
    expect(got.some((g) => g.startsWith('/body/name ') || g.startsWith('/body/creditCode '))).toBe(false);
    expect(res.body.detail).toContain('/body/staffCount');
    expect(await counts()).toEqual(before);
  });

  test('when the credit code check character is wrong, it answers 400 naming /body/creditCode and writes nothing', async () => {
    const valid = nextCode();
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    const wrong = valid.slice(0, 17) + alphabet[(alphabet.indexOf(valid[17]) + 1) % alphabet.length];
    const before = await counts();
    const res = await post('/api/v1/organisations', organisation({ creditCode: wrong }));
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/body/creditCode', rule: 'credit-code-checksum' })]);
    expect(await counts()).toEqual(before);
    expect(await count('organisations', { credit_code: wrong })).toBe(0);
    // The same code with its right check character is accepted.
    expect((await post('/api/v1/organisations', organisation({ creditCode: valid }))).status).toBe(201);
  });

  test('when an update carries a bad credit code, it answers 400 and the row is unchanged', async () => {
    const created = (await post('/api/v1/organisations', organisation())).body;
    const bad = created.creditCode.slice(0, 17) + (created.creditCode[17] === '0' ? '1' : '0');
    const res = await patch(`/api/v1/organisations/${created.id}`, { creditCode: bad });
    expectProblem(res, 400, 'validation');
    expect(res.body.errors[0].field).toBe('/body/creditCode');
    expect((await stack.db('organisations').where({ id: created.id }).first()).credit_code).toBe(created.creditCode);
  });
});

describe('unknown ids', () => {
  test.each(['organisations', 'regions', 'users'])('GET /api/v1/%s/<unknown uuid> answers 404 problem+json', async (resource) => {
    const res = await get(`/api/v1/${resource}/${crypto.randomUUID()}`);
    expectProblem(res, 404, 'not-found');
  });

  test('PATCH of an unknown organisation answers 404 and writes no audit row', async () => {
    const before = await counts();
    const res = await patch(`/api/v1/organisations/${crypto.randomUUID()}`, { name: 'Ghost' });
    expectProblem(res, 404, 'not-found');
    expect(await counts()).toEqual(before);
  });

  test('an id that is not a UUID answers 400 naming /params/id', async () => {
    const res = await get('/api/v1/organisations/42');
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/params/id', rule: 'format' })]);
  });

  test('an unknown route answers 404 problem+json', async () => {
    expectProblem(await get('/api/v1/no-such-thing'), 404, 'not-found');
  });

  test('routes match as Express matches them: a trailing slash and the case of fixed segments do not matter, parameters are decoded, HEAD runs GET', async () => {
    const org = (await post('/api/v1/organisations', organisation())).body as { id: string; name: string };
    for (const path of [`/api/v1/organisations/${org.id}/`, `/API/V1/Organisations/${org.id}`, `/api/v1/organisations/${org.id.replace('-', '%2D')}`]) {
      const res = await get(path);
      expect({ path, status: res.status, id: res.body.id }).toEqual({ path, status: 200, id: org.id });
    }
    const head = await auth(request(stack.app).head(`/api/v1/organisations/${org.id}`));
    expect(head.status).toBe(200);
    // A parameter that is not valid percent-encoding, one segment too many or a wrong method: nothing matches wrongly.
    expectProblem(await get('/api/v1/organisations/%E0%A4%A'), 400, 'malformed');
    expectProblem(await get(`/api/v1/organisations/${org.id}/extra`), 404, 'not-found');
    expectProblem(await auth(request(stack.app).delete(`/api/v1/organisations/${org.id}`)), 404, 'not-found');
  });
});

describe.each([`'; DROP TABLE users; --`, '<script>alert(1)</script>', `Robert'); DELETE FROM organisations;--`])('hostile text %s', (text) => {
  test('in every string field of organisation create and update, region create and user create, it is stored and returned verbatim and the tables stay intact', async () => {
    const before = await counts();

    const org = await post('/api/v1/organisations', organisation({ name: text, contact: text }));
    expect(org.status).toBe(201);
    expect(org.body).toMatchObject({ name: text, contact: text });
    expect(await stack.db('organisations').where({ id: org.body.id }).first()).toMatchObject({ name: text, contact: text });

    const other = (await post('/api/v1/organisations', organisation())).body;
    const updated = await patch(`/api/v1/organisations/${other.id}`, { name: `${text} (renamed)`, contact: text });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: `${text} (renamed)`, contact: text });
    expect(await stack.db('organisations').where({ id: other.id }).first()).toMatchObject({ name: `${text} (renamed)`, contact: text });

    const region = await post('/api/v1/regions', { name: text, level: 'city' });
    expect(region.status).toBe(201);
    expect(region.body.name).toBe(text);
    expect((await stack.db('regions').where({ id: region.body.id }).first()).name).toBe(text);

    const login = `hostile-${crypto.randomBytes(4).toString('hex')}`;
    const user = await post('/api/v1/users', { login, displayName: text, password: 'long-enough-password', roles: ['applicant'] });
    expect(user.status).toBe(201);
    expect(user.body.displayName).toBe(text);
    expect((await stack.db('users').where({ id: user.body.id }).first()).display_name).toBe(text);

    // Read back through the API, and found by a search on the same text.
    expect((await get(`/api/v1/organisations/${org.body.id}`)).body).toMatchObject({ name: text, contact: text });
    expect((await get(`/api/v1/regions/${region.body.id}`)).body.name).toBe(text);
    expect((await get(`/api/v1/users/${user.body.id}`)).body.displayName).toBe(text);
    const found = await get(`/api/v1/organisations?q=${encodeURIComponent(text)}&limit=100`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((o: { id: string }) => o.id)).toContain(org.body.id);

    const after = await counts();
    expect(after).toEqual({ organisations: before.organisations + 2, regions: before.regions + 1, users: before.users + 1, audit: before.audit + 5 });
    const tables = await stack.db.raw(`select to_regclass('public.users') as u, to_regclass('public.organisations') as o, to_regclass('public.regions') as r`);
    expect(tables.rows[0]).toEqual({ u: 'users', o: 'organisations', r: 'regions' });
    expect((await get('/api/v1/me')).status).toBe(200);
  });
});

describe('headers on every response', () => {
  const cases: [string, () => request.Test, number][] = [
    ['a public 200', () => request(stack.app).get('/healthz'), 200],
    ['a 401', () => request(stack.app).get('/api/v1/me'), 401],
    ['an authenticated 200', () => get('/api/v1/me'), 200],
    ['a 404 of an unknown route', () => request(stack.app).get('/nowhere'), 404],
    ['a 415', () => request(stack.app).post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('x'), 415],
    ['a 400 of malformed JSON', () => request(stack.app).post('/api/v1/auth/login').set('Content-Type', 'application/json').send('{'), 400],
    ['the docs page', () => request(stack.app).get('/docs'), 200],
  ];

  test.each(cases)('%s carries a fresh X-Request-Id and the security headers', async (_what, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  test.each(cases)('%s echoes a valid incoming X-Request-Id', async (_what, send) => {
    const id = `client-${crypto.randomBytes(4).toString('hex')}.retry:1_a`;
    const res = await send().set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toBe(id);
  });

  test.each([['spaces', 'has spaces in it'], ['too long', 'a'.repeat(129)], ['angle brackets', '<script>']])(
    'an incoming X-Request-Id with %s is replaced by a fresh one',
    async (_what, id) => {
      const res = await request(stack.app).get('/healthz').set('X-Request-Id', id);
      expect(res.headers['x-request-id']).not.toBe(id);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});

describe('paging', () => {
  const prefix = `Paging-${crypto.randomBytes(3).toString('hex')}`;
  let inserted: string[] = [];

  beforeAll(async () => {
    // 25 organisations in five batches that share a created_at, so the id tie-breaker matters.
    const base = Date.parse('2026-01-01T00:00:00Z');
    const rows = Array.from({ length: 25 }, (_, i) => ({
      name: `${prefix} ${i}`,
      kind: 'community',
      credit_code: nextCode(),
      created_at: new Date(base + Math.floor(i / 5) * 1000),
    }));
    inserted = (await stack.db('organisations').insert(rows).returning('id')).map((r: { id: string }) => r.id);
  });

  test('nextCursor walks all 25 organisations in pages of 10 with no duplicates and no gaps, newest first', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res: request.Response = await get(`/api/v1/organisations?q=${prefix}&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((o: { id: string }) => o.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...inserted].sort());
    const rows = await stack.db('organisations').whereIn('id', inserted).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).pluck('id');
    expect(seen).toEqual(rows);
  });

  test('without a limit, a page holds the default 20 and offers a next cursor', async () => {
    const res = await get(`/api/v1/organisations?q=${prefix}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(20);
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  test.each([['101', 'maximum'], ['0', 'minimum'], ['ten', 'type']])('limit=%s answers 400 naming /query/limit (%s)', async (limit, rule) => {
    const res = await get(`/api/v1/organisations?limit=${limit}`);
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/limit', rule })]);
  });

  test('limit=100 is accepted', async () => {
    const res = await get(`/api/v1/organisations?q=${prefix}&limit=100`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(25);
    expect(res.body.nextCursor).toBeNull();
  });

  test.each([
    ['plain garbage', 'garbage'],
    ['characters outside base64url', 'not*a*cursor'],
    ['well-formed JSON with the wrong contents', Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url')],
  ])('a cursor of %s answers 400 naming /query/cursor', async (_what, cursor) => {
    const res = await get(`/api/v1/organisations?limit=10&cursor=${encodeURIComponent(cursor)}`);
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/query/cursor' })]);
  });
});

describe('Idempotency-Key on POST /api/v1/organisations', () => {
  test('the same key and body replays the first 201 with Idempotent-Replayed: true and only one row exists', async () => {
    const key = `create-org-${crypto.randomUUID()}`;
    const body = organisation();
    const first = await post('/api/v1/organisations', body).set('Idempotency-Key', key);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await post('/api/v1/organisations', body).set('Idempotency-Key', key);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await count('organisations', { credit_code: body.creditCode })).toBe(1);
    expect(await count('audit_log', { object_id: first.body.id })).toBe(1);
  });

  test('the same key with a different body answers 422 idempotency-key-reused and writes nothing more', async () => {
    const key = `create-org-${crypto.randomUUID()}`;
    const body = organisation();
    expect((await post('/api/v1/organisations', body).set('Idempotency-Key', key)).status).toBe(201);
    const before = await counts();
    const changed = { ...body, creditCode: nextCode() };
    const res = await post('/api/v1/organisations', changed).set('Idempotency-Key', key);
    expectProblem(res, 422, 'business-rule');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: '/headers/Idempotency-Key', rule: 'idempotency-key-reused' })]);
    expect(await count('organisations', { credit_code: body.creditCode })).toBe(1);
    expect(await count('organisations', { credit_code: changed.creditCode })).toBe(0);
    expect(await counts()).toEqual(before);
  });

  test('without a key, the same body twice is a conflict on the credit code, not a replay', async () => {
    const body = organisation();
    expect((await post('/api/v1/organisations', body)).status).toBe(201);
    const again = await post('/api/v1/organisations', body);
    expectProblem(again, 409, 'conflict');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('organisations', { credit_code: body.creditCode })).toBe(1);
  });
});

describe('the region tree', () => {
  let city: { id: string; path: string };
  beforeAll(async () => {
    const res = await post('/api/v1/regions', { name: 'Hangzhou', level: 'city' });
    expect(res.status).toBe(201);
    city = res.body;
  });

  test('a city stands alone with its own id as its path', async () => {
    expect(city).toMatchObject({ parentId: null, level: 'city', path: `/${city.id}/` });
    expect(await stack.db('regions').where({ id: city.id }).first()).toMatchObject({ parent_id: null, path: `/${city.id}/` });
  });

  test('a district under a city is created with the path below the city', async () => {
    const res = await post('/api/v1/regions', { name: 'Xihu', level: 'district', parentId: city.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ parentId: city.id, level: 'district', path: `${city.path}${res.body.id}/` });
    expect(await stack.db('regions').where({ id: res.body.id }).first()).toMatchObject({ parent_id: city.id, level: 'district' });
  });

  test.each([
    ['a community directly under a city', '/body/level', () => ({ name: 'Lingyin', level: 'community', parentId: city.id })],
    ['a city with a parent', '/body/level', () => ({ name: 'Ningbo', level: 'city', parentId: city.id })],
    ['a district with no parent', '/body/parentId', () => ({ name: 'Orphan', level: 'district' })],
    ['a district under a region that does not exist', '/body/parentId', () => ({ name: 'Lost', level: 'district', parentId: crypto.randomUUID() })],
  ])('%s answers 422 naming %s and writes nothing', async (_what, field, body) => {
    const before = await counts();
    const res = await post('/api/v1/regions', body());
    expectProblem(res, 422, 'business-rule');
    expect(res.body.errors).toEqual([expect.objectContaining({ field })]);
    expect(await counts()).toEqual(before);
  });
});

describe('the audit log', () => {
  test('GET /api/v1/audit shows an organisation create with its after and an update with before and after, newest first', async () => {
    const created = await post('/api/v1/organisations', organisation({ name: 'Audited Org', staffCount: 3 }));
    expect(created.status).toBe(201);
    const updated = await patch(`/api/v1/organisations/${created.body.id}`, { name: 'Audited Org (renamed)', staffCount: 12 });
    expect(updated.status).toBe(200);

    const res = await get(`/api/v1/audit?objectType=organisation&objectId=${created.body.id}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    const [update, create] = res.body.items;
    expect(create).toMatchObject({ action: 'create', actorId: admin.id, objectId: created.body.id, before: null, after: created.body, requestId: created.headers['x-request-id'] });
    expect(update).toMatchObject({
      action: 'update',
      actorId: admin.id,
      before: { name: 'Audited Org', staffCount: 3 },
      after: { name: 'Audited Org (renamed)', staffCount: 12 },
      requestId: updated.headers['x-request-id'],
    });
    expect(update.after).toEqual(updated.body);
    expect(Number(update.id)).toBeGreaterThan(Number(create.id));
  });

  test('a non-admin cannot read it', async () => {
    const officer = await createUser(stack, ['officer']);
    expectProblem(await get('/api/v1/audit').set('Authorization', `Bearer ${officer.token}`), 403, 'forbidden');
  });
});
