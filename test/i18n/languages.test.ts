import crypto from 'node:crypto';
import request from 'supertest';
import { startStack, createUser, type Stack, type TestUser } from '../helpers/stack';

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
});
