// `npm start`'s own command (`fuhua start`: its PostgreSQL, its Temporal dev server, worker and API), run as a user
// runs it and killed as a machine kills it: SIGKILL leaves no time for its shutdown, and its PostgreSQL and Temporal
// server (each in its own process group) outlive it. Started again on the same folder, it stops what was left and
// comes up with the data kept; when its PostgreSQL or Temporal server is killed under it, it starts them again;
// Ctrl-C (SIGINT) then stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findLeftovers, stopLeftovers } from '../../bin/leftovers';
import { eventually } from '../helpers/api';

const ROOT = path.resolve(__dirname, '../..');
const PASSWORD = 'start-test-password';

let dir: string;
let env: NodeJS.ProcessEnv;
let port: number;
const running: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as net.AddressInfo;
      server.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-start-'));
  port = await freePort();
  env = {
    ...process.env,
    FUHUA_DATA_DIR: path.join(dir, 'data'),
    PORT: String(port),
    FUHUA_PG_PORT: String(await freePort()),
    FUHUA_TEMPORAL_PORT: String(await freePort()),
    FUHUA_TEMPORAL_UI_PORT: String(await freePort()),
    FUHUA_METRICS_PORT: String(await freePort()),
    FUHUA_ADMIN_PASSWORD: PASSWORD,
    LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
});

afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stopLeftovers(path.join(dir, 'data'), () => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `fuhua start` and resolves with everything it printed once it says it is ready. */
function start(): { child: ChildProcess; ready: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/fuhua.js'), 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 120 s:\n${output}`)), 120_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Fuhua is ready')) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`fuhua start exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return { child, ready, output: () => output };
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function api(method: string, route: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('killed with SIGKILL, `fuhua start` is started again on the same folder: it stops the PostgreSQL and Temporal server left running, comes up with the data kept, and starts its own servers again when they are killed under it', async () => {
  const first = start();
  await first.ready;
  const login = await api('POST', '/api/v1/auth/login', undefined, { login: 'admin', password: PASSWORD });
  expect(login.status).toBe(200);
  const token = login.body.token as string;

  first.child.kill('SIGKILL');
  await exited(first.child);
  // What a killed start leaves: its PostgreSQL and its Temporal server, still running on the folder.
  const left = findLeftovers(env.FUHUA_DATA_DIR!);
  expect(left.map((l) => path.basename(l.argv[0])).sort()).toEqual(['postgres', 'temporal']);

  const second = start();
  const printed = await second.ready;
  for (const { pid } of left) expect(printed).toContain(`(process ${pid}) left running on ${env.FUHUA_DATA_DIR}`);
  expect(findLeftovers(env.FUHUA_DATA_DIR!).map((l) => l.pid).filter((pid) => left.some((l) => l.pid === pid))).toEqual([]);
  // The data is kept: the session made before the kill still signs the admin in, and every check is ready.
  expect(await api('GET', '/api/v1/me', token)).toMatchObject({ status: 200, body: { login: 'admin' } });
  expect(await api('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });

  // Its own servers killed under it (SIGKILL), it starts them again; the API answers again, with the data kept.
  for (const [name, server] of [['PostgreSQL', 'postgres'], ['the Temporal dev server', 'temporal']] as const) {
    const [victim] = findLeftovers(env.FUHUA_DATA_DIR!).filter((l) => path.basename(l.argv[0]) === server);
    process.kill(victim.pid, 'SIGKILL');
    await eventually(async () => {
      expect(second.output()).toContain(`${name} is running again`);
      expect(await api('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready' } });
    }, 90_000);
    expect(second.output()).toContain(`${name} stopped unexpectedly; starting it again`);
    expect(await api('GET', '/api/v1/me', token)).toMatchObject({ status: 200, body: { login: 'admin' } });
  }

  // Ctrl-C stops everything, leaving nothing running on the folder.
  second.child.kill('SIGINT');
  expect(await exited(second.child)).toBe(0);
  expect(findLeftovers(env.FUHUA_DATA_DIR!)).toEqual([]);
}, 300_000);
