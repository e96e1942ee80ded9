/**
 * Locate (or build) the real Temporal server and its schema tool, which `fuhua cluster` runs on PostgreSQL:
 * `temporal-server` (go.temporal.io/server/cmd/server) and `temporal-sql-tool` (…/cmd/tools/sql), v1.29.1,
 * plus the PostgreSQL schema files and the development-postgres12.yaml config that ship in the same Go module.
 *
 * Lookup order for each binary, as bin/temporal-cli.ts does for the CLI (there is no official archive of these):
 *   1. `FUHUA_TEMPORAL_SERVER` / `FUHUA_TEMPORAL_SQL_TOOL`: explicit paths; unusable means an error;
 *   2. `temporal-server` / `temporal-sql-tool` on PATH;
 *   3. the cache: `<FUHUA_CACHE_DIR>/temporal-server/v1.29.1/`;
 *   4. one `go install` of both packages into the cache (a few minutes on 2 cores), with progress;
 *   5. otherwise an Error naming every way to provide them.
 * The module files are copied into the same cache folder (from `go mod download`), so a cached cluster needs no Go.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { acquireLock, errorText, findGo, fuhuaCacheDir, goInstall, isExecutableFile, run, whichAll, type Check } from './temporal-cli';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_SERVER_MODULE = `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`;
export const TEMPORAL_SERVER_PACKAGES = [`go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`];

export interface TemporalServerFiles {
  server: string;
  sqlTool: string;
  /** `…/schema/postgresql/v12`, holding `temporal/versioned` and `visibility/versioned`. */
  schemaDir: string;
  /** The module's config/development-postgres12.yaml. */
  configTemplate: string;
}

const BINARIES = [
  { key: 'server', env: 'FUHUA_TEMPORAL_SERVER', name: 'temporal-server', built: 'server' },
  { key: 'sqlTool', env: 'FUHUA_TEMPORAL_SQL_TOOL', name: 'temporal-sql-tool', built: 'sql' },
] as const;

export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(fuhuaCacheDir(env), 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);
}

async function usable(p: string): Promise<Check> {
  if (!fs.existsSync(p)) return { ok: false, detail: 'not there' };
  if (!isExecutableFile(p)) return { ok: false, detail: 'not an executable file' };
  const v = await run(p, ['--version'], 10_000);
  return v.ok ? v : { ok: false, detail: `--version failed (${v.detail})` };
}

function moduleFilesIn(dir: string): { schemaDir: string; configTemplate: string } | undefined {
  const schemaDir = path.join(dir, 'schema', 'postgresql', 'v12');
  const configTemplate = path.join(dir, 'config', 'development-postgres12.yaml');
  const ok = fs.existsSync(path.join(schemaDir, 'temporal', 'versioned')) && fs.existsSync(path.join(schemaDir, 'visibility', 'versioned')) && fs.existsSync(configTemplate);
  return ok ? { schemaDir, configTemplate } : undefined;
}

/** Where a binary is now, without building anything: explicit path, PATH, then the cache. */
async function locate(b: (typeof BINARIES)[number], env: NodeJS.ProcessEnv, cacheDir: string, tried: string[], log: (l: string) => void): Promise<string | undefined> {
  const explicit = env[b.env];
  if (explicit) {
    const p = path.resolve(explicit);
    const v = await usable(p);
    if (!v.ok) throw new Error(`${b.env}=${explicit}: ${v.detail}; fix or unset ${b.env}`);
    log(`using ${p} (${v.detail})`);
    return p;
  }
  for (const p of whichAll(b.name, env.PATH)) {
    const v = await usable(p);
    if (v.ok) {
      log(`using ${p} (${v.detail})`);
      return p;
    }
    tried.push(`PATH: ${p}: ${v.detail}`);
  }
  const cached = path.join(cacheDir, b.name);
  const c = await usable(cached);
  if (c.ok) return cached;
  tried.push(`${b.name}: not set in ${b.env}, not on PATH, cache ${cached}: ${c.detail}`);
  return undefined;
}

/**
 * Both binaries and the module files as they are now, without running or building anything (for a test to decide
 * whether it can run): the files, or why not.
 */
export function cachedTemporalServer(env: NodeJS.ProcessEnv = process.env): { files?: TemporalServerFiles; missing: string[] } {
  const cacheDir = temporalServerCacheDir(env);
  const missing: string[] = [];
  const pick = (b: (typeof BINARIES)[number]) => {
    const candidates = env[b.env] ? [path.resolve(env[b.env]!)] : [...whichAll(b.name, env.PATH), path.join(cacheDir, b.name)];
    const p = candidates.find(isExecutableFile);
    if (!p) missing.push(`${b.name} (not in ${b.env}, on PATH or in ${cacheDir})`);
    return p;
  };
  const server = pick(BINARIES[0]);
  const sqlTool = pick(BINARIES[1]);
  const mod = moduleFilesIn(path.join(cacheDir, 'module'));
  if (!mod) missing.push(`the module's schema files (not in ${path.join(cacheDir, 'module')})`);
  return server && sqlTool && mod ? { files: { server, sqlTool, ...mod }, missing } : { missing };
}

/** Both binaries and the module files, building them with Go into the cache when needed. */
export async function findTemporalServer(opts: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<TemporalServerFiles> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`[temporal-server] ${line}\n`));
  const cacheDir = temporalServerCacheDir(env);
  const tried: string[] = [];
  const found: Partial<Record<'server' | 'sqlTool', string>> = {};
  for (const b of BINARIES) found[b.key] = await locate(b, env, cacheDir, tried, log);
  let mod = moduleFilesIn(path.join(cacheDir, 'module'));
  if (found.server && found.sqlTool && mod) return { server: found.server, sqlTool: found.sqlTool, ...mod };

  fs.mkdirSync(cacheDir, { recursive: true });
  const lock = await acquireLock(path.join(cacheDir, '.lock'), log);
  try {
    const go = await findGo(env, log);
    for (const b of BINARIES) found[b.key] ??= (await usable(path.join(cacheDir, b.name))).ok ? path.join(cacheDir, b.name) : undefined;
    const toBuild = BINARIES.filter((b) => !found[b.key]);
    if (toBuild.length) {
      if (!go.path) tried.push(`go install: ${go.detail}`);
      else {
        log(`building ${toBuild.map((b) => b.name).join(' and ')} with \`go install ${TEMPORAL_SERVER_PACKAGES.join(' ')}\` (${go.detail}); this takes several minutes`);
        try {
          await goInstall(go.path, env, cacheDir, TEMPORAL_SERVER_PACKAGES, BINARIES.map((b) => ({ built: b.built, dest: path.join(cacheDir, b.name) })), log);
          for (const b of BINARIES) found[b.key] ??= path.join(cacheDir, b.name);
        } catch (err) {
          tried.push(`go install: ${errorText(err)}`);
        }
      }
    }
    mod = moduleFilesIn(path.join(cacheDir, 'module'));
    if (!mod && go.path) {
      try {
        mod = await copyModuleFiles(go.path, env, cacheDir);
        log(`schema files and config template copied into ${path.join(cacheDir, 'module')}`);
      } catch (err) {
        tried.push(`module files: ${errorText(err)}`);
      }
    } else if (!mod) tried.push(`module files: ${go.detail}`);
  } finally {
    lock.release();
  }
  if (found.server && found.sqlTool && mod) return { server: found.server, sqlTool: found.sqlTool, ...mod };
  throw new Error(
    [
      `Temporal server v${TEMPORAL_SERVER_VERSION} (temporal-server, temporal-sql-tool and the module's schema files) not found. Tried:`,
      ...tried.map((t) => `  - ${t}`),
      'Provide them in one of these ways, then rerun:',
      `  1. install Go (https://go.dev/dl/) and rerun: Fuhua runs \`go install ${TEMPORAL_SERVER_PACKAGES.join(' ')}\``,
      `     into ${cacheDir} (or set FUHUA_GO=/path/to/go);`,
      '  2. set FUHUA_TEMPORAL_SERVER and FUHUA_TEMPORAL_SQL_TOOL to existing binaries (or put temporal-server and',
      `     temporal-sql-tool on PATH), and copy the module's schema/ and config/ folders into ${path.join(cacheDir, 'module')}.`,
    ].join('\n'),
  );
}

/** `go mod download -json` gives the module's folder (downloading it if needed); the schema and config are copied out. */
async function copyModuleFiles(go: string, env: NodeJS.ProcessEnv, cacheDir: string): Promise<{ schemaDir: string; configTemplate: string }> {
  const out = await new Promise<string>((resolve, reject) =>
    execFile(go, ['mod', 'download', '-json', TEMPORAL_SERVER_MODULE], { env, cwd: cacheDir, timeout: 10 * 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`go mod download failed: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir || !moduleFilesIn(dir)) throw new Error(`go mod download gave no usable module folder (${dir ?? 'none'})`);
  const dest = path.join(cacheDir, 'module');
  const scratch = `${dest}.${process.pid}`;
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.cpSync(path.join(dir, 'schema', 'postgresql', 'v12'), path.join(scratch, 'schema', 'postgresql', 'v12'), { recursive: true });
  fs.mkdirSync(path.join(scratch, 'config'), { recursive: true });
  fs.copyFileSync(path.join(dir, 'config', 'development-postgres12.yaml'), path.join(scratch, 'config', 'development-postgres12.yaml'));
  // The module cache is read-only; our copy must be removable.
  fs.chmodSync(scratch, 0o755);
  for (const entry of fs.readdirSync(scratch, { recursive: true, withFileTypes: true })) {
    const p = path.join(entry.parentPath, entry.name);
    fs.chmodSync(p, entry.isDirectory() ? 0o755 : 0o644);
  }
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(scratch, dest);
  return moduleFilesIn(dest)!;
}
