import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const WEB = path.join(ROOT, 'web');
const DIST = path.join(WEB, 'dist');
const INPUTS = ['src', 'public', 'index.html', 'vite.config.mts', 'tsconfig.json'];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), stat.mtimeMs);
}

/** Why the console needs building, or null when web/dist is newer than every source of it. */
export function consoleBuildReason(): string | null {
  const built = path.join(DIST, 'index.html');
  if (!fs.existsSync(built)) return 'web/dist is missing';
  const sources = Math.max(...INPUTS.map((i) => newestMtime(path.join(WEB, i))));
  return sources > fs.statSync(built).mtimeMs ? 'web/ has changed since web/dist was built' : null;
}

function viteBin(): string | null {
  try {
    return path.join(path.dirname(require.resolve('vite/package.json', { paths: [ROOT] })), 'bin', 'vite.js');
  } catch {
    return null;
  }
}

/**
 * Builds the console with Vite when web/dist is missing or older than web/, and says so. It builds into a
 * folder of its own and swaps it in, so a server (or a second build) never serves a half-written dist.
 * Without Vite (a production install without devDependencies) it says the console is not served and goes on.
 */
export async function ensureConsoleBuilt(opts: { log: (line: string) => void }): Promise<'fresh' | 'built' | 'unavailable'> {
  if (!consoleBuildReason()) return 'fresh';
  // One build at a time across processes (two jest workers, or npm start beside a test run): the second waits for
  // the first and then finds web/dist fresh.
  const release = await buildLock(opts.log);
  try {
    return await build(opts);
  } finally {
    release();
  }
}

const LOCK = path.join(WEB, '.build-lock');
const STALE_LOCK_MS = 10 * 60_000;

async function buildLock(log: (line: string) => void): Promise<() => void> {
  let said = false;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      return () => fs.rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // A lock left by a build that was killed is taken over once it is older than any build takes.
    const age = Date.now() - (fs.statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > STALE_LOCK_MS) {
      fs.rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (!said) log('another process is building the console; waiting for it');
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function build(opts: { log: (line: string) => void }): Promise<'fresh' | 'built' | 'unavailable'> {
  const reason = consoleBuildReason();
  if (!reason) return 'fresh';
  const vite = viteBin();
  if (!vite || !fs.existsSync(path.join(WEB, 'index.html'))) {
    opts.log(`${reason} and Vite is not installed: the console at / is not served (the API is)`);
    return 'unavailable';
  }
  opts.log(`building the console (${reason})`);
  const started = Date.now();
  const tmp = path.join(WEB, `.dist-${process.pid}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', WEB, '--outDir', tmp, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT,
      // A production build whatever the caller's NODE_ENV (jest sets "test", which would build React's development mode).
      env: { ...process.env, NODE_ENV: 'production', VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the console build failed (vite exited with ${code})`))));
  });
  // Swapped in by two renames, the old build removed after: web/dist is missing for an instant only.
  const old = path.join(WEB, `.dist-old-${process.pid}`);
  if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
  fs.renameSync(tmp, DIST);
  fs.rmSync(old, { recursive: true, force: true });
  opts.log(`built the console into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 'built';
}

if (path.resolve(process.argv[1] ?? '') === __filename) {
  ensureConsoleBuilt({ log: (l) => process.stderr.write(`[console] ${l}\n`) }).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
