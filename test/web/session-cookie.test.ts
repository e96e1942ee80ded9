import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { mountConsole, CONSOLE_CSP } from '../../api/console';
import { createUser, startStack, type Stack, type TestUser } from '../helpers/stack';

let stack: Stack;
let user: TestUser;

beforeAll(async () => {
  stack = await startStack({ worker: false });
  user = await createUser(stack, ['officer']);
});
afterAll(async () => {
  await stack.close();
});

async function signIn(): Promise<{ cookie: string; csrfToken: string; body: Record<string, unknown> }> {
  const res = await request(stack.app).post('/api/v1/auth/session').send({ login: user.login, password: user.password });
  expect(res.status).toBe(201);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0];
  return { cookie: cookie.split(';')[0], csrfToken: res.body.csrfToken, body: res.body };
}

describe('browser sessions', () => {
  test('signing in from the console sets an HttpOnly SameSite=Strict cookie and answers no token, and the session is stored', async () => {
    const res = await request(stack.app).post('/api/v1/auth/session').send({ login: user.login, password: user.password });
    expect(res.status).toBe(201);
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0];
    expect(setCookie).toMatch(/^fuhua_session=[A-Za-z0-9_-]{20,100}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect((res.headers['set-cookie'] as unknown as string[])[1]).toMatch(/^fuhua_signed_in=1; Path=\/; SameSite=Strict; Max-Age=\d+$/);
    expect(res.body).not.toHaveProperty('token');
    expect(res.body).toMatchObject({ user: { login: user.login }, csrfToken: expect.any(String) });
    const sessions = await stack.db('sessions').where({ user_id: user.id }).whereNull('revoked_at');
    expect(sessions.length).toBe(2); // the helper's bearer sign-in and this one
  });

  test('over HTTPS (a trusted proxy) the cookie is also Secure', async () => {
    stack.app.set('trust proxy', 'loopback');
    try {
      const res = await request(stack.app).post('/api/v1/auth/session').set('X-Forwarded-Proto', 'https').send({ login: user.login, password: user.password });
      expect(res.status).toBe(201);
      expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(/; Secure$/);
      expect((res.headers['set-cookie'] as unknown as string[])[1]).toMatch(/; Secure$/);
    } finally {
      stack.app.set('trust proxy', false);
    }
  });

  test('a wrong password signs nobody in and sets no cookie', async () => {
    const sessionsBefore = await stack.db('sessions').where({ user_id: user.id }).count<{ count: string }[]>('* as count');
    const res = await request(stack.app).post('/api/v1/auth/session').send({ login: user.login, password: 'wrong-password-here' });
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await stack.db('sessions').where({ user_id: user.id }).count<{ count: string }[]>('* as count')).toEqual(sessionsBefore);
    // The failure is counted by the sign-in throttle like any other; clear it for the tests that follow.
    const counted = await stack.db('sign_in_throttle').sum<{ sum: string }[]>('points as sum');
    expect(Number(counted[0].sum)).toBeGreaterThan(0);
    await stack.db('sign_in_throttle').delete();
  });

  test('the cookie alone authenticates a read, and the session answers its CSRF token', async () => {
    const { cookie, csrfToken } = await signIn();
    const res = await request(stack.app).get('/api/v1/auth/session').set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ login: user.login, roles: ['officer'], csrfToken });
  });

  test('a state-changing request with the cookie but without the CSRF header is refused and changes nothing', async () => {
    const { cookie } = await signIn();
    const before = await stack.db('programmes').count({ n: '*' }).first();
    const res = await request(stack.app).post('/api/v1/programmes').set('Cookie', cookie).send({});
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/X-CSRF-Token/);
    const wrong = await request(stack.app).delete('/api/v1/auth/session').set('Cookie', cookie).set('X-CSRF-Token', 'not-the-token');
    expect(wrong.status).toBe(403);
    const after = await stack.db('programmes').count({ n: '*' }).first();
    expect(after).toEqual(before);
    expect(await stack.db('sessions').where({ user_id: user.id }).whereNotNull('revoked_at').count({ n: '*' }).first()).toEqual({ n: '0' });
  });

  test('signing out with the cookie and its CSRF header revokes the session and clears the cookie', async () => {
    const { cookie, csrfToken } = await signIn();
    const res = await request(stack.app).delete('/api/v1/auth/session').set('Cookie', cookie).set('X-CSRF-Token', csrfToken);
    expect(res.status).toBe(204);
    expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^fuhua_session=; .*Max-Age=0/);
    expect((res.headers['set-cookie'] as unknown as string[])[1]).toMatch(/^fuhua_signed_in=; .*Max-Age=0/);
    const again = await request(stack.app).get('/api/v1/me').set('Cookie', cookie);
    expect(again.status).toBe(401);
    const revoked = await stack.db('sessions').where({ user_id: user.id }).whereNotNull('revoked_at').count({ n: '*' }).first();
    expect(Number(revoked!.n)).toBe(1);
  });

  test('a bearer token needs no CSRF header', async () => {
    const res = await request(stack.app).get('/api/v1/me').set('Authorization', `Bearer ${user.token}`);
    expect(res.status).toBe(200);
    const pw = await request(stack.app).post('/api/v1/me/password').set('Authorization', `Bearer ${user.token}`).send({ currentPassword: 'not-it-at-all', newPassword: 'another-long-password' });
    expect(pw.status).toBe(422);
  });
});

describe('the console at /', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/app.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  const app = express();
  app.get('/api/v1/ping', (_req, res) => void res.json({ ok: true }));
  mountConsole(app, dir);
  app.use((_req, res) => void res.status(404).json({ notFound: true }));

  test('any page path answers index.html with a policy that allows no inline script', async () => {
    for (const url of ['/', '/projects/abc', '/signin']) {
      const res = await request(app).get(url).set('Accept', 'text/html');
      expect(res.status).toBe(200);
      expect(res.text).toContain('<div id="root">');
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    }
    expect(CONSOLE_CSP).toMatch(/script-src 'self';/);
    expect(CONSOLE_CSP).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  test('hashed assets are served with a long cache; the API and unknown files are not answered with the page', async () => {
    const asset = await request(app).get('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect((await request(app).get('/api/v1/nothing').set('Accept', 'text/html')).status).toBe(404);
    expect((await request(app).get('/missing.png').set('Accept', 'text/html')).status).toBe(404);
    expect((await request(app).get('/api/v1/ping')).body).toEqual({ ok: true });
    expect((await request(app).get('/nowhere')).status).toBe(404); // no Accept: text/html, not a browser's navigation
  });
});

describe('the preloads of a signed-in first screen', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.mkdirSync(path.join(dir, '.vite'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><head><script type="module" crossorigin src="/assets/index-1.js"></script>\n<link rel="modulepreload" crossorigin href="/assets/vendor-1.js">\n</head><div id="root"></div>');
  fs.writeFileSync(path.join(dir, '.vite', 'manifest.json'), JSON.stringify({
    'index.html': { file: 'assets/index-1.js', isEntry: true, imports: ['_vendor-1.js'] },
    '_vendor-1.js': { file: 'assets/vendor-1.js' },
    '_table-1.js': { file: 'assets/table-1.js', imports: ['_vendor-1.js'] },
    'src/shell.tsx': { file: 'assets/shell-1.js', isDynamicEntry: true, imports: ['_vendor-1.js'] },
    'src/pages/library.tsx': { file: 'assets/library-1.js', isDynamicEntry: true, imports: ['_vendor-1.js', '_table-1.js'] },
  }));
  const app = express();
  mountConsole(app, dir);
  app.use((_req, res) => void res.status(404).json({ notFound: true }));
  const preloads = (html: string) => [...html.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)">/g)].map((m) => m[1]).sort();

  test('the library opened signed in preloads the layout, the library and the table chunk, each once and none the page loads already', async () => {
    const res = await request(app).get('/projects').set('Accept', 'text/html').set('Cookie', 'fuhua_signed_in=1');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(preloads(res.text)).toEqual(['/assets/library-1.js', '/assets/shell-1.js', '/assets/table-1.js', '/assets/vendor-1.js']);
    expect(res.text.match(/vendor-1\.js/g)).toHaveLength(1);
  });

  test('another page signed in preloads the layout only; signed out, the page is index.html as built; the manifest is not served', async () => {
    expect(preloads((await request(app).get('/contests').set('Accept', 'text/html').set('Cookie', 'x=1; fuhua_signed_in=1')).text)).toEqual(['/assets/shell-1.js', '/assets/vendor-1.js']);
    expect((await request(app).get('/projects').set('Accept', 'text/html')).text).toBe(fs.readFileSync(path.join(dir, 'index.html'), 'utf8'));
    expect((await request(app).get('/.vite/manifest.json')).status).toBe(404);
  });
});
