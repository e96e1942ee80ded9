import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { startStack, createUser, type Stack } from '../helpers/stack';
import { eventually } from '../helpers/api';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(async () => {
  await stack.close();
});

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, log: createLogger('info', { service: 'api' }, (line) => lines.push(JSON.parse(line))) };
}

test('a request is logged once, with its request id, route pattern, path without the query, status and time', async () => {
  const { lines, log } = capture();
  const user = await createUser(stack, ['admin']);
  const app = createApp({ ...stack.deps, log });
  const res = await request(app).get('/api/v1/regions?limit=5').set('Authorization', `Bearer ${user.token}`).set('X-Request-Id', 'req-log-1');
  expect(res.status).toBe(200);
  await new Promise((r) => setImmediate(r));
  const entries = lines.filter((l) => l.requestId === 'req-log-1');
  expect(entries).toEqual([expect.objectContaining({ level: 'info', msg: 'request', service: 'api', route: '/api/v1/regions', req: { method: 'GET', path: '/api/v1/regions' }, res: { status: 200 }, ms: expect.any(Number) })]);
  expect(JSON.stringify(entries)).not.toContain(user.token);
});

test('health probes are not logged', async () => {
  const { lines, log } = capture();
  const app = createApp({ ...stack.deps, log });
  await request(app).get('/healthz');
  expect(lines.filter((l) => l.msg === 'request')).toEqual([]);
});

test('passwords, tokens, phone numbers, ID numbers and addresses are redacted wherever they appear in a log line', () => {
  const { lines, log } = capture();
  log.info('something', { password: 'hunter2', user: { phone: '13812345678', idNumber: '110101199003077777', name: '李华' }, address: '福寿路 9 号', token: 'abc' });
  expect(lines[0]).toEqual(expect.objectContaining({ msg: 'something', password: '[redacted]', address: '[redacted]', token: '[redacted]', user: { phone: '[redacted]', idNumber: '[redacted]', name: '李华' } }));
});

describe('lines written to a file descriptor (stdout in production) go in batches and none is lost', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-log-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // The lines written so far: a read may catch a write half done, so only what ends in a newline counts.
  const linesIn = (file: string) => {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const linesArrive = (file: string, n: number) => eventually(async () => expect(linesIn(file)).toHaveLength(n), 5000, 10);

  test('lines wait for their batch, then arrive whole, in order and redacted', async () => {
    const file = path.join(dir, 'batches.log');
    // The logger's stream owns the descriptor from here (it writes and flushes on its own timer): it stays open.
    const fd = fs.openSync(file, 'w');
    const log = createLogger('info', { service: 'api' }, fd);
    log.info('first', { n: 1 });
    log.info('second', { n: 2, phone: '13812345678' });
    expect(fs.readFileSync(file, 'utf8')).toBe('');
    // The batch's timer (100 ms) writes them.
    await linesArrive(file, 2);
    expect(linesIn(file)).toEqual([expect.objectContaining({ msg: 'first', n: 1, service: 'api' }), expect.objectContaining({ msg: 'second', n: 2, phone: '[redacted]' })]);
    // Several batches' worth (about 4 KiB each), then flush() for whatever still waits.
    const before = linesIn(file).length;
    for (let i = 0; i < 60; i++) log.info('line of a full batch', { i, text: '社区服务'.repeat(20) });
    log.flush();
    await linesArrive(file, before + 60);
    expect(linesIn(file).slice(before).map((l) => l.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // The request log writes through the same batch.
    log.requests.info({ route: '/x' }, 'request');
    log.info('after the request');
    await linesArrive(file, before + 62);
    expect(linesIn(file).slice(-2).map((l) => l.msg)).toEqual(['request', 'after the request']);
  });

  test.each([
    ['exits at once (process.exit)', 'process.exit(0);'],
    ['ends on its own', ''],
  ])('a process that logs and %s leaves every line on stdout', async (_, end) => {
    const script = `require('tsx/cjs/api').register(); const { createLogger } = require('./api/logger'); const log = createLogger('info'); for (let i = 0; i < 25; i++) log.info('line', { i }); ${end}`;
    const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { i: number });
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});
