// Runs one request against an API child process (test/helpers/crash-api.ts) that dies with SIGKILL at a chosen
// moment, and resolves once it is dead: the crash-window tests then retry on the in-process app and count rows.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Stack } from './stack';
import { withDatabase } from './shared';

export interface Crash {
  answered: boolean;
  signal: NodeJS.Signals | null;
}

/**
 * `sql`: the child dies when PostgreSQL has answered the first statement matching it. `taskQueue`: the child also talks
 * to the test's Temporal server and dies 25 ms after sending its first update (update-with-start, or an update to a
 * running workflow).
 */
export async function crashApi(
  stack: Stack,
  at: { sql?: RegExp; taskQueue?: string },
  req: { method: string; path: string; body: object; token: string; key?: string },
): Promise<Crash> {
  const { rows } = await stack.db.raw<{ rows: { name: string }[] }>('select current_database() as name');
  const url = withDatabase(process.env.FUHUA_TEST_PG_URL!, rows[0].name);
  const root = path.join(__dirname, '..', '..');
  const args = [path.join(root, 'bin', 'run-ts.js'), 'test/helpers/crash-api.ts', url, (at.sql ?? /^never matches$/).source, ...(at.taskQueue ? [at.taskQueue] : [])];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`the API child exited before listening: ${out}`)));
  });
  let answered = true;
  try {
    await fetch(`http://127.0.0.1:${port}${req.path}`, {
      method: req.method,
      body: JSON.stringify(req.body),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${req.token}`, ...(req.key ? { 'Idempotency-Key': req.key } : {}) },
    });
  } catch {
    answered = false;
  }
  return { answered, signal: await exited };
}
