import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  stop: () => Promise<void>;
  kill: () => void;
  /** Settles when the server's process exits, for whatever reason. */
  exited: Promise<void>;
}

const DEV_DYNAMIC_CONFIG = ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'];

/**
 * `temporal server start-dev` on a SQLite file, so workflows survive a restart. WAL journal and
 * normal synchronous writes: the default rollback journal makes every workflow task wait on fsync.
 */
export async function startTemporalDevServer(opts: {
  cliPath: string;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  log?: (line: string) => void;
}): Promise<TemporalDevServer> {
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--db-filename', opts.dbFile,
    '--namespace', opts.namespace,
    '--sqlite-pragma', 'journal_mode=wal',
    '--sqlite-pragma', 'synchronous=normal',
    '--log-level', 'warn',
    // One partition a task queue, as a single-node server suits: with the default four, a task that finds no poller
    // waiting on its partition is written to the database and handed out later (or forwarded), which puts hundreds of
    // milliseconds on a new workflow's first task under load. Sticky queues (a running workflow's next task) have one.
    ...DEV_DYNAMIC_CONFIG.flatMap((value) => ['--dynamic-config-value', value]),
  ];
  if (await portTaken(opts.port)) throw new Error(`port ${opts.port} is taken: another Temporal server runs there (set FUHUA_TEMPORAL_PORT, or TEMPORAL_ADDRESS to use it)`);
  // Own process group: Ctrl-C reaches only Fuhua, which stops the server after the worker has drained.
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const forward = (chunk: Buffer) => chunk.toString('utf8').split('\n').filter(Boolean).forEach((l) => opts.log?.(l));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  // A pipe read can fail with ECONNRESET as the server dies; with no listener that would crash Fuhua's own process.
  child.stdout?.on('error', () => {});
  child.stderr?.on('error', () => {});
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!(await portTaken(opts.port))) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode} before it listened`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the Temporal dev server did not listen within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // An open port is not a ready frontend: wait until it answers a real call.
  for (;;) {
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${opts.port}`, connectTimeout: 2000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace: opts.namespace });
        break;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the Temporal dev server did not become ready: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    stop: () => stopChild(child, exited),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    exited: exited.then(() => undefined),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function portTaken(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
