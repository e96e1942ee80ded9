/**
 * Locate (or fetch, or build) the Temporal CLI, which Fuhua uses as its local development / test server
 * (`temporal server start-dev`).
 *
 * Lookup order — the first candidate whose `<path> --version` succeeds within 10 s wins:
 *   1. `FUHUA_TEMPORAL_CLI`          explicit path; if set but unusable we throw (never silently fall through);
 *   2. `temporal` on `PATH`;
 *   3. the cache: `${FUHUA_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/fuhua}/temporal-cli/v1.5.1/temporal`;
 *   4. the official release archive (tar.gz), downloaded into the cache (fails fast without internet);
 *   5. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into the cache, when Go is available;
 *   6. otherwise an Error naming every way to provide the CLI.
 *
 * Environment variables (besides PATH / HOME):
 *   FUHUA_TEMPORAL_CLI           path of a Temporal CLI binary to use, no questions asked.
 *   FUHUA_CACHE_DIR              cache root (default `$XDG_CACHE_HOME/fuhua`, else `~/.cache/fuhua`).
 *   XDG_CACHE_HOME               see above.
 *   FUHUA_TEMPORAL_DOWNLOAD_URL  override the release archive URL (tests point it at a local server or a
 *                                closed port); `off` skips the download step.
 *   FUHUA_GO                     path of the `go` binary to use for step 5 (default: `go` on PATH, then
 *                                /usr/local/go/bin/go); `off` skips the build step.
 *
 * Steps 4 and 5 write into the cache under a lock file (`<cache>/temporal-cli/v1.5.1/.lock`), so concurrent
 * callers (`npm start` + `npm test`, jest global setup, several CI jobs sharing a cache) build only once: the
 * others wait, then find the finished binary. Both steps produce the binary under a temporary name and
 * `rename` it into place, so a crashed download/build never leaves a half-written `temporal` behind.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';

export const TEMPORAL_CLI_GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

export interface FindTemporalCliOptions {
  /** Receives one short line per step and build progress. Defaults to stderr. */
  log?: (line: string) => void;
  /** Environment to read the settings above from. Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const VERSION_TIMEOUT_MS = 10_000;
const DOWNLOAD_FIRST_BYTE_TIMEOUT_MS = 10_000;
const DOWNLOAD_IDLE_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 45 * 60_000;
const PROGRESS_EVERY_MS = 15_000;
const LOCK_POLL_MS = 500;
const LOCK_HEARTBEAT_MS = 15_000;
/** A lock whose holder stopped touching it for this long is considered abandoned (e.g. other host, kill -9). */
const LOCK_STALE_MS = 2 * 60_000;
const DEFAULT_GO_FALLBACK = '/usr/local/go/bin/go';

const BINARY_NAME = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/** Root of Fuhua's cache: `$FUHUA_CACHE_DIR`, else `$XDG_CACHE_HOME/fuhua`, else `~/.cache/fuhua`. */
export function fuhuaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FUHUA_CACHE_DIR) return path.resolve(env.FUHUA_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.resolve(env.XDG_CACHE_HOME, 'fuhua');
  return path.join(os.homedir(), '.cache', 'fuhua');
}

/** Directory holding the cached CLI: `<cache>/temporal-cli/v1.5.1`. */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(fuhuaCacheDir(env), 'temporal-cli', `v${TEMPORAL_CLI_VERSION}`);
}

/** Official release archive URL for this platform, or undefined where no tar.gz is published. */
export function temporalCliDownloadUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FUHUA_TEMPORAL_DOWNLOAD_URL) return env.FUHUA_TEMPORAL_DOWNLOAD_URL;
  const platform = ({ linux: 'linux', darwin: 'darwin' } as Record<string, string | undefined>)[process.platform];
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string | undefined>)[process.arch];
  if (!platform || !arch) return undefined;
  return `https://temporal.download/cli/archive/v${TEMPORAL_CLI_VERSION}?platform=${platform}&arch=${arch}`;
}

export async function findTemporalCli(opts: FindTemporalCliOptions = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`[temporal-cli] ${line}\n`));
  const tried: string[] = [];

  // 1. Explicit path.
  const explicit = env.FUHUA_TEMPORAL_CLI;
  if (explicit) {
    const p = path.resolve(explicit);
    log(`trying FUHUA_TEMPORAL_CLI=${explicit}`);
    if (!isExecutableFile(p)) {
      throw new Error(`FUHUA_TEMPORAL_CLI=${explicit} is not an executable file; fix or unset FUHUA_TEMPORAL_CLI`);
    }
    const v = await checkVersion(p);
    if (!v.ok) throw new Error(`FUHUA_TEMPORAL_CLI=${explicit}: \`${p} --version\` failed: ${v.detail}`);
    log(`using ${p} (${v.detail})`);
    return p;
  }
  tried.push('FUHUA_TEMPORAL_CLI: not set');

  // 2. PATH.
  log('looking for `temporal` on PATH');
  const onPath = whichAll(BINARY_NAME, env.PATH);
  for (const p of onPath) {
    const v = await checkVersion(p);
    if (v.ok) {
      log(`using ${p} (${v.detail})`);
      return p;
    }
    log(`ignoring ${p}: --version failed: ${v.detail}`);
    tried.push(`PATH: ${p} --version failed (${v.detail})`);
  }
  if (onPath.length === 0) tried.push('PATH: no `temporal` found');

  // 3. Cache.
  const cacheDir = temporalCliCacheDir(env);
  const cached = path.join(cacheDir, BINARY_NAME);
  log(`checking cache ${cached}`);
  const c = await checkCached(cached);
  if (c.ok) {
    log(`using ${cached} (${c.detail})`);
    return cached;
  }
  tried.push(`cache: ${cached}: ${c.detail}`);

  // 4 + 5 write into the cache: serialise them across processes.
  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = await acquireLock(path.join(cacheDir, '.lock'), log);
  try {
    // Whoever held the lock before us may have just produced the binary.
    const again = await checkCached(cached);
    if (again.ok) {
      log(`using ${cached} (${again.detail}), provided by a concurrent run`);
      return cached;
    }

    // 4. Official download.
    const url = temporalCliDownloadUrl(env);
    if (url === 'off') {
      log('skipping download (FUHUA_TEMPORAL_DOWNLOAD_URL=off)');
      tried.push('download: disabled (FUHUA_TEMPORAL_DOWNLOAD_URL=off)');
    } else if (!url) {
      tried.push(`download: no archive for ${process.platform}/${process.arch}`);
    } else {
      log(`downloading ${url}`);
      try {
        await downloadInto(url, cacheDir, cached);
        log(`using ${cached} (downloaded)`);
        return cached;
      } catch (err) {
        const msg = errorText(err);
        log(`download failed: ${msg}`);
        tried.push(`download ${url}: ${msg}`);
      }
    }

    // 5. Build from source with Go.
    const go = await findGo(env, log);
    if (!go.path) {
      tried.push(`go install: ${go.detail}`);
    } else {
      log(`building with ${go.path} install ${TEMPORAL_CLI_GO_PACKAGE} (${go.detail}); this takes a few minutes`);
      try {
        await goInstallInto(go.path, env, cacheDir, cached, log);
        log(`using ${cached} (built with go)`);
        return cached;
      } catch (err) {
        const msg = errorText(err);
        log(`go install failed: ${msg.split('\n')[0]}`);
        tried.push(`go install: ${msg}`);
      }
    }
  } finally {
    lock.release();
  }

  // 6. Give up, explaining every way out.
  const officialUrl = temporalCliDownloadUrl({}) ?? 'https://github.com/temporalio/cli/releases';
  throw new Error(
    [
      `Temporal CLI v${TEMPORAL_CLI_VERSION} not found. Tried:`,
      ...tried.map((t) => `  - ${t}`),
      'Provide it in one of these ways, then rerun:',
      '  1. set FUHUA_TEMPORAL_CLI=/path/to/temporal (an existing Temporal CLI binary);',
      '  2. put `temporal` on your PATH (https://docs.temporal.io/cli#install);',
      `  3. install Go (https://go.dev/dl/) and rerun: Fuhua builds it with \`go install ${TEMPORAL_CLI_GO_PACKAGE}\``,
      `     into ${cacheDir} (or set FUHUA_GO=/path/to/go);`,
      `  4. download it from the official site, ${officialUrl}`,
      `     (or https://github.com/temporalio/cli/releases/tag/v${TEMPORAL_CLI_VERSION}), and extract \`temporal\``,
      `     into ${cacheDir}/.`,
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export interface Check {
  ok: boolean;
  detail: string;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

export function isExecutableFile(p: string): boolean {
  try {
    if (!fs.statSync(p).isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every executable `name` on the given PATH, in PATH order, as absolute paths, without duplicates. */
export function whichAll(name: string, pathVar: string | undefined): string[] {
  const found: string[] = [];
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.resolve(dir, name);
    if (!found.includes(p) && isExecutableFile(p)) found.push(p);
  }
  return found;
}

/** Run `<file> <args>` with a timeout; ok when it exits 0. detail = first output line or the failure. */
export function run(file: string, args: string[], timeoutMs: number): Promise<Check> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true }, (err, stdout, stderr) => {
      const firstLine = (`${stdout}`.trim() || `${stderr}`.trim()).split('\n')[0] ?? '';
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number | null };
        const why = e.killed
          ? `timed out after ${timeoutMs / 1000} s`
          : typeof e.code === 'number'
            ? `exit code ${e.code}${firstLine ? `: ${firstLine}` : ''}`
            : e.message;
        resolve({ ok: false, detail: why });
      } else {
        resolve({ ok: true, detail: firstLine || 'ok' });
      }
    });
  });
}

function checkVersion(p: string): Promise<Check> {
  return run(p, ['--version'], VERSION_TIMEOUT_MS);
}

async function checkCached(p: string): Promise<Check> {
  if (!fs.existsSync(p)) return { ok: false, detail: 'not there' };
  if (!isExecutableFile(p)) return { ok: false, detail: 'not an executable file' };
  const v = await checkVersion(p);
  return v.ok ? v : { ok: false, detail: `--version failed (${v.detail})` };
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** A unique scratch name inside `dir`, on the same filesystem as the final binary so `rename` is atomic. */
export function scratchPath(dir: string, label: string): string {
  return path.join(dir, `.${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Verify `built`, then atomically move it to `dest`. */
async function installBinary(built: string, dest: string): Promise<void> {
  fs.chmodSync(built, 0o755);
  const v = await checkVersion(built);
  if (!v.ok) throw new Error(`the new binary does not work: --version ${v.detail}`);
  fs.renameSync(built, dest);
}

// --- Step 4: download -----------------------------------------------------------------------------------------

async function downloadInto(url: string, cacheDir: string, dest: string): Promise<void> {
  const work = scratchPath(cacheDir, 'download');
  fs.mkdirSync(work, { recursive: true });
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error('no response within 10 s')), DOWNLOAD_FIRST_BYTE_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const archive = path.join(work, 'temporal.tar.gz');
    const out = fs.createWriteStream(archive);
    try {
      const armIdle = () => {
        clearTimeout(timer);
        timer = setTimeout(() => controller.abort(new Error('download stalled for 30 s')), DOWNLOAD_IDLE_TIMEOUT_MS);
      };
      armIdle();
      for await (const chunk of res.body) {
        armIdle();
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      await new Promise<void>((r) => out.end(() => r()));
    }
    clearTimeout(timer);
    const tar = await run('tar', ['-xzf', archive, '-C', work], 5 * 60_000);
    if (!tar.ok) throw new Error(`extracting with tar failed: ${tar.detail}`);
    const extracted = path.join(work, BINARY_NAME);
    if (!fs.existsSync(extracted)) throw new Error(`the archive holds no \`${BINARY_NAME}\``);
    await installBinary(extracted, dest);
  } finally {
    clearTimeout(timer);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// --- Step 5: go install ---------------------------------------------------------------------------------------

export async function findGo(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<{ path?: string; detail: string }> {
  const explicit = env.FUHUA_GO;
  if (explicit === 'off') {
    log('skipping go install (FUHUA_GO=off)');
    return { detail: 'disabled (FUHUA_GO=off)' };
  }
  const candidates = explicit
    ? [path.resolve(explicit)]
    : [...whichAll(process.platform === 'win32' ? 'go.exe' : 'go', env.PATH), DEFAULT_GO_FALLBACK];
  log(explicit ? `looking for Go at FUHUA_GO=${explicit}` : `looking for Go on PATH or at ${DEFAULT_GO_FALLBACK}`);
  const problems: string[] = [];
  for (const p of candidates.filter((c, i) => candidates.indexOf(c) === i)) {
    if (!isExecutableFile(p)) {
      problems.push(`${p} not found`);
      continue;
    }
    const v = await run(p, ['version'], VERSION_TIMEOUT_MS);
    if (v.ok) return { path: p, detail: v.detail };
    problems.push(`${p} version failed (${v.detail})`);
  }
  return { detail: `Go not available (${problems.join('; ') || 'not on PATH'})` };
}

async function goInstallInto(go: string, env: NodeJS.ProcessEnv, cacheDir: string, dest: string, log: (line: string) => void): Promise<void> {
  await goInstall(go, env, cacheDir, [TEMPORAL_CLI_GO_PACKAGE], [{ built: BINARY_NAME, dest }], log);
}

/**
 * `go install -v <packages>` into a scratch GOBIN inside `cacheDir`, with progress every 15 s; each built binary is
 * checked with `--version` and renamed into place. Several packages of one module build in one go (shared work).
 */
export async function goInstall(
  go: string,
  env: NodeJS.ProcessEnv,
  cacheDir: string,
  goPackages: string[],
  outputs: { built: string; dest: string }[],
  log: (line: string) => void,
): Promise<void> {
  // GOBIN is a scratch directory inside the cache dir; the result is renamed into place once verified.
  const gobin = scratchPath(cacheDir, 'build');
  fs.mkdirSync(gobin, { recursive: true });
  try {
    // The user's Go settings (GOFLAGS, GOPROXY, CGO_ENABLED, ...) are kept, so their build cache is reused.
    const childEnv: NodeJS.ProcessEnv = { ...env, GOBIN: gobin };
    // `-v` prints one line per package compiled: we count them instead of echoing hundreds of lines.
    const child = spawn(go, ['install', '-v', ...goPackages], {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const started = Date.now();
    let packages = 0;
    let downloads = 0;
    let lastPackage = '';
    const tail: string[] = [];
    const onLine = (line: string) => {
      line = line.trimEnd();
      if (!line) return;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (line.startsWith('go: downloading ')) downloads++;
      else if (/^[\w.~+-]+(\/[\w.~+-]+)*$/.test(line)) {
        packages++;
        lastPackage = line;
      } else log(`go: ${line.replace(/^go: /, '')}`); // errors, toolchain notes: pass through
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        lines.forEach(onLine);
      });
      stream.on('end', () => onLine(buf));
    }
    const progress = setInterval(() => {
      log(
        `go install: ${formatElapsed(Date.now() - started)} elapsed, ${downloads} modules downloaded, ` +
          `${packages} packages compiled${lastPackage ? ` (last: ${lastPackage})` : ''}`,
      );
    }, PROGRESS_EVERY_MS);
    const killer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    const code = await new Promise<number | string>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (c, signal) => resolve(c ?? signal ?? 'unknown'));
    }).finally(() => {
      clearInterval(progress);
      clearTimeout(killer);
    });
    if (code !== 0) throw new Error(`go install exited with ${code}; last output:\n${tail.join('\n')}`);
    log(`go install: done in ${formatElapsed(Date.now() - started)} (${packages} packages)`);
    for (const out of outputs) {
      const built = path.join(gobin, out.built);
      if (!fs.existsSync(built)) throw new Error(`go install succeeded but ${built} is missing`);
      await installBinary(built, out.dest);
    }
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

// --- Cross-process lock ---------------------------------------------------------------------------------------

export interface Lock {
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  token: string;
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return undefined; // missing, or being written right now
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the lock's holder is gone, or undefined if it may still be working. */
function staleReason(file: string): string | undefined {
  let mtime: number;
  try {
    mtime = fs.statSync(file).mtimeMs;
  } catch {
    return undefined; // vanished: just retry
  }
  const info = readLock(file);
  if (info && info.host === os.hostname() && !pidAlive(info.pid)) return `holder pid ${info.pid} is gone`;
  if (Date.now() - mtime > LOCK_STALE_MS) return `not refreshed for ${formatElapsed(Date.now() - mtime)}`;
  return undefined;
}

/**
 * An exclusive lock file (O_EXCL create), refreshed every 15 s while held. A waiter takes it over when the holder's
 * process is dead (same host) or it has not been refreshed for 2 minutes. Taking over a stale lock has a tiny race
 * window between two waiters; the worst outcome is a duplicate download/build, never a broken binary, because every
 * producer writes under its own scratch name and renames atomically.
 */
export async function acquireLock(file: string, log: (line: string) => void): Promise<Lock> {
  const token = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const info: LockInfo = { pid: process.pid, host: os.hostname(), token };
  const waitStart = Date.now();
  let lastNote = 0;
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const stale = staleReason(file);
    if (stale) {
      log(`removing stale lock ${file}: ${stale}`);
      fs.rmSync(file, { force: true });
      continue;
    }
    if (lastNote === 0 || Date.now() - lastNote >= PROGRESS_EVERY_MS) {
      const holder = readLock(file);
      log(
        `waiting for another process${holder ? ` (pid ${holder.pid} on ${holder.host})` : ''} that holds ${file}` +
          (lastNote === 0 ? '' : `, ${formatElapsed(Date.now() - waitStart)} so far`),
      );
      lastNote = Date.now();
    }
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
  }

  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      fs.utimesSync(file, now, now);
    } catch {
      /* removed under us; nothing useful to do */
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.removeListener('exit', release);
    if (readLock(file)?.token === token) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { release };
}
