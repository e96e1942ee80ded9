import crypto from 'node:crypto';
import request from 'supertest';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';
import { titleColumns } from '../../db/repositories/tasks';
import { msg } from '../../i18n';
import { defaultProgrammeRules } from '../../workflows/rules/programme-rules';

let stack: Stack;
let admin: TestUser;
beforeAll(async () => {
  stack = await startStack();
  admin = await createUser(stack, ['admin']);
});
afterAll(async () => {
  await stack.close();
});

const missingRegion = (lang?: string) => {
  const r = request(stack.app).get(`/api/v1/regions/${crypto.randomUUID()}`).set('Authorization', `Bearer ${admin.token}`);
  return lang ? r.set('Accept-Language', lang) : r;
};

describe('problem+json title and detail follow Accept-Language, Chinese by default', () => {
  test('without Accept-Language, a 404 answers in Chinese', async () => {
    const res = await missingRegion();
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: 'https://fuhua.example/problems/not-found', title: '未找到', detail: '没有这个区域。' });
    expect(res.headers['content-language']).toBe('zh-CN');
  });

  test.each([['en'], ['en-US,en;q=0.9,zh;q=0.5'], ['EN-gb']])('with Accept-Language %s, the same 404 answers in English', async (lang) => {
    const res = await missingRegion(lang);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: 'https://fuhua.example/problems/not-found', title: 'Not found', detail: 'No such region.' });
    expect(res.headers['content-language']).toBe('en');
  });

  test.each([['fr'], ['zh-CN,en;q=0.5'], ['zh'], ['*']])('with Accept-Language %s, it answers in Chinese', async (lang) => {
    const res = await missingRegion(lang);
    expect(res.body).toMatchObject({ title: '未找到', detail: '没有这个区域。' });
  });

  test('a 401 and a 400 name their field in the detail in either language', async () => {
    const zh = await request(stack.app).get('/api/v1/me');
    const en = await request(stack.app).get('/api/v1/me').set('Accept-Language', 'en');
    expect([zh.status, zh.body.title, zh.body.detail]).toEqual([401, '未登录', '需要 Bearer 令牌（管理后台中为会话 Cookie）。']);
    expect([en.status, en.body.title, en.body.detail]).toEqual([401, 'Unauthorized', 'A bearer token is required (or, from the console, its session cookie).']);

    const body = { name: 'x'.repeat(3), creditCode: 'nope' };
    const bad = (lang: string) => request(stack.app).post('/api/v1/organisations').set('Authorization', `Bearer ${admin.token}`).set('Accept-Language', lang).send(body);
    const [badZh, badEn] = [await bad('zh-CN'), await bad('en')];
    expect([badZh.status, badZh.body.title]).toEqual([400, '请求无效']);
    expect(badZh.body.detail).toMatch(/^请求无效。.*\/body\/creditCode/);
    expect([badEn.status, badEn.body.title]).toEqual([400, 'Invalid request']);
    expect(badEn.body.detail).toMatch(/^The request is invalid\. .*\/body\/creditCode/);
  });

  test('a schema failure\'s errors[].message is Chinese by default and English on request; field and rule stay', async () => {
    const get = (lang?: string) => {
      const r = request(stack.app).get('/api/v1/regions/urn:uuid:00000000-0000-0000-0000-000000000000').set('Authorization', `Bearer ${admin.token}`);
      return lang ? r.set('Accept-Language', lang) : r;
    };
    const [zh, en] = [await get(), await get('en')];
    expect(zh.body.errors).toEqual([{ field: '/params/id', rule: 'format', message: '须为规范格式的 UUID（8-4-4-4-12 位十六进制）' }]);
    expect(en.body.errors).toEqual([{ field: '/params/id', rule: 'format', message: 'must be a UUID in canonical form (8-4-4-4-12 hex digits)' }]);
    expect(zh.body.detail).toContain('须为规范格式的 UUID');
  });
});

describe('rule violations: errors[].message follows Accept-Language, rule and field stay the same', () => {
  test('a 422 for programme rules answers each violation in Chinese by default and in English on request', async () => {
    const officer = await createUser(stack, ['officer']);
    const cityId = crypto.randomUUID();
    await stack.db('regions').insert({ id: cityId, parent_id: null, level: 'city', name: 'lang city', path: `/${cityId}/` });
    const rules = defaultProgrammeRules();
    rules.review.criteria[0].weight = 15; // the weights sum to 90
    rules.evaluation.thresholds = { excellent: 80, good: 90, pass: 60 };
    const create = (lang?: string) => {
      const r = request(stack.app).post('/api/v1/programmes').set('Authorization', `Bearer ${officer.token}`);
      return (lang ? r.set('Accept-Language', lang) : r).send({ name: 'Bad weights', regionId: cityId, rules });
    };
    const [zh, en] = [await create(), await create('en')];
    expect([zh.status, en.status]).toEqual([422, 422]);
    const stable = (b: { errors: { field: string; rule: string }[] }) => b.errors.map(({ field, rule }) => ({ field, rule }));
    expect(stable(zh.body)).toEqual(stable(en.body));
    const byRule = (b: { errors: { rule: string; message: string }[] }, rule: string) => b.errors.find((e) => e.rule === rule)?.message;
    expect(byRule(zh.body, 'weights-sum-100')).toBe('评审指标权重合计 90；须合计为 100');
    expect(byRule(en.body, 'weights-sum-100')).toBe('criterion weights sum to 90; they must sum to 100');
    expect(byRule(zh.body, 'grade-thresholds-order')).toBe('等级分数线为优秀 80、良好 90、合格 60；须严格递减：优秀 > 良好 > 合格');
    expect(zh.body.detail).toContain('评审指标权重合计 90');
    expect(en.body.detail).toContain('criterion weights sum to 90');
  });
});

describe('task titles are stored as a key and params and rendered in the reader\'s language', () => {
  test('an inbox task reads in Chinese by default and in English on request; the row keeps its Chinese title', async () => {
    const user = await createUser(stack, ['officer']);
    const key = `lang-${crypto.randomUUID()}`;
    await stack.db('tasks').insert({ key, user_id: user.id, kind: 'evaluate', status: 'open', due_at: null, created_at: new Date(), ...titleColumns(msg('task.evaluate-again', { round: 2 })) });
    const inbox = (lang?: string) => {
      const r = request(stack.app).get('/api/v1/me/tasks').set('Authorization', `Bearer ${user.token}`);
      return lang ? r.set('Accept-Language', lang) : r;
    };
    const [zh, en] = [await inbox(), await inbox('en')];
    expect([zh.status, en.status]).toEqual([200, 200]);
    expect(zh.body.items.map((t: { title: string }) => t.title)).toEqual(['整改后再次评估该项目（第 2 轮）']);
    expect(en.body.items.map((t: { title: string }) => t.title)).toEqual(['Evaluate the project again after its rectification (round 2)']);
    expect(await stack.db('tasks').where({ key }).first('title', 'title_key', 'title_params')).toEqual({
      title: '整改后再次评估该项目（第 2 轮）', title_key: 'task.evaluate-again', title_params: { round: 2 },
    });
  });

  test('a due date in a title is shown in Asia/Shanghai time: 16:30 UTC on 31 January is 1 February in Beijing', async () => {
    const user = await createUser(stack, ['applicant']);
    await stack.db('tasks').insert({
      key: `lang-${crypto.randomUUID()}`, user_id: user.id, kind: 'monthly_report_reminder', status: 'open', due_at: null, created_at: new Date(),
      ...titleColumns(msg('task.monthly-report-reminder', { period: '2026-01', dueAt: '2026-01-31T16:30:00.000Z' })),
    });
    const title = async (lang: string) => (await request(stack.app).get('/api/v1/me/tasks').set('Authorization', `Bearer ${user.token}`).set('Accept-Language', lang)).body.items[0].title;
    expect(await title('zh-CN')).toBe('提醒：2026-01 月报须于 2026年2月1日 00:30 前提交');
    expect(await title('en')).toBe('Reminder: monthly report 2026-01 is due by 1 Feb 2026, 00:30 GMT+8');
  });

  test("a due date in a title of a programme in Pacific/Auckland is shown in Auckland time, the offset named", async () => {
    const user = await createUser(stack, ['applicant']);
    await stack.db('tasks').insert({
      key: `lang-${crypto.randomUUID()}`, user_id: user.id, kind: 'monthly_report_reminder', status: 'open', due_at: null, created_at: new Date(),
      ...titleColumns(msg('task.monthly-report-reminder', { period: '2026-01', dueAt: '2026-01-31T16:30:00.000Z', timeZone: 'Pacific/Auckland' })),
    });
    const title = async (lang: string) => (await request(stack.app).get('/api/v1/me/tasks').set('Authorization', `Bearer ${user.token}`).set('Accept-Language', lang)).body.items[0].title;
    expect(await title('zh-CN')).toBe('提醒：2026-01 月报须于 2026年2月1日 GMT+13 05:30 前提交');
    expect(await title('en')).toBe('Reminder: monthly report 2026-01 is due by 1 Feb 2026, 05:30 GMT+13');
  });

  test('a task written before titles had keys keeps its stored title', async () => {
    const user = await createUser(stack, ['officer']);
    await stack.db('tasks').insert({ key: `lang-${crypto.randomUUID()}`, user_id: user.id, kind: 'note', status: 'open', due_at: null, created_at: new Date(), title: 'Look at this' });
    const res = await request(stack.app).get('/api/v1/me/tasks').set('Authorization', `Bearer ${user.token}`).set('Accept-Language', 'en');
    expect(res.body.items.map((t: { title: string }) => t.title)).toEqual(['Look at this']);
  });
});
