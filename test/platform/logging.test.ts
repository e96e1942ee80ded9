import request from 'supertest';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { startStack, createUser, type Stack } from '../helpers/stack';

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
