/**
 * Lookup order of findTemporalCli, with fake executables (small shell scripts answering `--version`) in a temp dir.
 *
 * Every test passes its own `env` (never the real process.env), built from these knobs:
 *   PATH                         a temp dir holding (or not) a fake `temporal`;
 *   FUHUA_TEMPORAL_CLI           explicit binary (step 1);
 *   FUHUA_CACHE_DIR / XDG_CACHE_HOME   where the cache lives (step 3, and where steps 4–5 install);
 *   FUHUA_TEMPORAL_DOWNLOAD_URL  step 4: a local HTTP server serving a tar.gz, or a closed local port
 *                                (connection refused at once, so the step fails fast offline);
 *   FUHUA_GO                     step 5: a fake `go` script, or a nonexistent path (so the step is skipped at once).
 * The fake `go` reads FAKE_GO_MODE (ok|fail), FAKE_GO_SLEEP (seconds) and FAKE_GO_LOG (file recording each install).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, fuhuaCacheDir, TEMPORAL_CLI_VERSION, temporalCliCacheDir } from '../../bin/temporal-cli';

let root: string;
let closedPortUrl: string;
let lines: string[];
const log = (line: string) => {
  lines.push(line);
};

function writeExec(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

/** A fake Temporal CLI printing `temporal version 1.5.1 (<label>)`; `broken` ones fail --version. */
function fakeTemporal(file: string, label: string, broken = false): string {
  return writeExec(
    file,
    broken
      ? 'echo "boom" >&2; exit 1'
      : `if [ "$1" = "--version" ]; then echo "temporal version ${TEMPORAL_CLI_VERSION} (${label})"; exit 0; fi; exit 2`,
  );
}

const FAKE_TEMPORAL_SCRIPT = `#!/bin/sh
if [ "$1" = "--version" ]; then echo "temporal version ${TEMPORAL_CLI_VERSION} (built)"; exit 0; fi; exit 2
`;

function fakeGo(file: string): string {
  return writeExec(
    file,
    `PATH=/usr/bin:/bin
case "$1" in
  version) echo "go version go1.99 fake linux/amd64"; exit 0 ;;
  install)
    echo "$GOBIN $*" >> "$FAKE_GO_LOG"
    echo "go: downloading github.com/temporalio/cli v${TEMPORAL_CLI_VERSION}" >&2
    echo "github.com/temporalio/cli/temporalcli" >&2
    sleep "\${FAKE_GO_SLEEP:-0}"
    if [ "$FAKE_GO_MODE" = "fail" ]; then
      printf '#!/bin/sh\\necho half' > "$GOBIN/temporal"
      echo "temporalcli/x.go:1:1: syntax error" >&2
      exit 1
    fi
    cat > "$GOBIN/temporal" <<'BIN'
${FAKE_TEMPORAL_SCRIPT}BIN
    chmod 755 "$GOBIN/temporal"
    exit 0 ;;
esac
exit 2`,
  );
}

/** Env with nothing findable: empty PATH dir, empty cache, download to a closed port, no Go. */
function baseEnv(name: string): NodeJS.ProcessEnv {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'path'), { recursive: true });
  return {
    HOME: path.join(dir, 'home'),
    PATH: path.join(dir, 'path'),
    FUHUA_CACHE_DIR: path.join(dir, 'cache'),
    FUHUA_TEMPORAL_DOWNLOAD_URL: closedPortUrl,
    FUHUA_GO: path.join(dir, 'no-such-go'),
  };
}

const cachedBinary = (env: NodeJS.ProcessEnv) => path.join(temporalCliCacheDir(env), 'temporal');

/** Names left in the cache dir (scratch dirs and the lock must be gone). */
const cacheEntries = (env: NodeJS.ProcessEnv) => {
  const dir = temporalCliCacheDir(env);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
};

const versionOf = (bin: string) => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-temporal-cli-'));
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  closedPortUrl = `http://127.0.0.1:${port}/temporal.tar.gz`;
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  lines = [];
});

describe('cache location', () => {
  it('prefers FUHUA_CACHE_DIR, then XDG_CACHE_HOME/fuhua, then ~/.cache/fuhua', () => {
    expect(fuhuaCacheDir({ FUHUA_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(fuhuaCacheDir({ XDG_CACHE_HOME: '/b' })).toBe('/b/fuhua');
    expect(fuhuaCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'fuhua'));
    expect(temporalCliCacheDir({ FUHUA_CACHE_DIR: '/a' })).toBe(`/a/temporal-cli/v${TEMPORAL_CLI_VERSION}`);
  });
});

describe('findTemporalCli lookup order', () => {
  it('1. FUHUA_TEMPORAL_CLI wins over PATH and cache', async () => {
    const env = baseEnv('explicit');
    const explicit = fakeTemporal(path.join(root, 'explicit', 'bin', 'my-temporal'), 'explicit');
    fakeTemporal(path.join(env.PATH!, 'temporal'), 'path');
    fakeTemporal(cachedBinary(env), 'cache');
    await expect(findTemporalCli({ log, env: { ...env, FUHUA_TEMPORAL_CLI: explicit } })).resolves.toBe(explicit);
    expect(lines[0]).toMatch(/FUHUA_TEMPORAL_CLI/);
  });

  it('1. FUHUA_TEMPORAL_CLI pointing nowhere throws, naming the variable', async () => {
    const env: NodeJS.ProcessEnv = {
      ...baseEnv('explicit-missing'),
      FUHUA_TEMPORAL_CLI: path.join(root, 'nowhere', 'temporal'),
    };
    fakeTemporal(path.join(env.PATH!, 'temporal'), 'path'); // must not silently fall back to this one
    await expect(findTemporalCli({ log, env })).rejects.toThrow(/FUHUA_TEMPORAL_CLI=.*nowhere.*not an executable/);
  });

  it('1. FUHUA_TEMPORAL_CLI pointing at a non-executable or broken file throws', async () => {
    const env = baseEnv('explicit-bad');
    const plain = path.join(root, 'explicit-bad', 'plain');
    fs.writeFileSync(plain, 'not a program', { mode: 0o644 });
    await expect(findTemporalCli({ log, env: { ...env, FUHUA_TEMPORAL_CLI: plain } })).rejects.toThrow(
      /FUHUA_TEMPORAL_CLI/,
    );
    const broken = fakeTemporal(path.join(root, 'explicit-bad', 'broken'), 'x', true);
    await expect(findTemporalCli({ log, env: { ...env, FUHUA_TEMPORAL_CLI: broken } })).rejects.toThrow(
      /FUHUA_TEMPORAL_CLI=.*--version` failed: exit code 1: boom/,
    );
  });

  it('2. `temporal` on PATH wins over the cache; a broken one is skipped', async () => {
    const env = baseEnv('path');
    const dirA = path.join(root, 'path', 'a');
    const dirB = path.join(root, 'path', 'b');
    fakeTemporal(path.join(dirA, 'temporal'), 'broken', true);
    const good = fakeTemporal(path.join(dirB, 'temporal'), 'path-b');
    fakeTemporal(cachedBinary(env), 'cache');
    const result = await findTemporalCli({ log, env: { ...env, PATH: [env.PATH, dirA, dirB].join(':') } });
    expect(result).toBe(good);
    expect(lines.some((l) => l.includes(`ignoring ${path.join(dirA, 'temporal')}`))).toBe(true);
  });

  it('3. the cache (FUHUA_CACHE_DIR) is used when nothing is set or on PATH', async () => {
    const env = baseEnv('cache');
    const cached = fakeTemporal(cachedBinary(env), 'cache');
    await expect(findTemporalCli({ log, env })).resolves.toBe(cached);
    expect(lines).toEqual([
      'looking for `temporal` on PATH',
      `checking cache ${cached}`,
      `using ${cached} (temporal version ${TEMPORAL_CLI_VERSION} (cache))`,
    ]);
  });

  it('3. the cache defaults to $XDG_CACHE_HOME/fuhua', async () => {
    const { FUHUA_CACHE_DIR: _unused, ...env } = baseEnv('xdg');
    env.XDG_CACHE_HOME = path.join(root, 'xdg', 'xdg-cache');
    const cached = fakeTemporal(
      path.join(env.XDG_CACHE_HOME, 'fuhua', 'temporal-cli', `v${TEMPORAL_CLI_VERSION}`, 'temporal'),
      'xdg',
    );
    await expect(findTemporalCli({ log, env })).resolves.toBe(cached);
  });

  it('4. downloads and extracts the release archive into the cache', async () => {
    const env = baseEnv('download');
    const staging = path.join(root, 'download', 'staging');
    fakeTemporal(path.join(staging, 'temporal'), 'downloaded');
    fs.writeFileSync(path.join(staging, 'LICENSE'), 'MIT');
    const archive = path.join(root, 'download', 'temporal.tar.gz');
    expect(spawnSync('tar', ['-czf', archive, '-C', staging, 'temporal', 'LICENSE']).status).toBe(0);
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/gzip' });
      fs.createReadStream(archive).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cli/archive/v${TEMPORAL_CLI_VERSION}`;
      const result = await findTemporalCli({ log, env: { ...env, FUHUA_TEMPORAL_DOWNLOAD_URL: url } });
      expect(result).toBe(cachedBinary(env));
      expect(versionOf(result)).toContain('(downloaded)');
      expect(requests).toHaveLength(1);
      expect(cacheEntries(env)).toEqual(['temporal']); // no scratch dir, no lock, no LICENSE
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('4→5. an unreachable download falls through to `go install` with GOBIN in the cache dir', async () => {
    const env = baseEnv('go');
    const goLog = path.join(root, 'go', 'installs.log');
    const goEnv = { ...env, FUHUA_GO: fakeGo(path.join(root, 'go', 'fake-go')), FAKE_GO_LOG: goLog };
    const t0 = Date.now();
    const result = await findTemporalCli({ log, env: goEnv });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(result).toBe(cachedBinary(env));
    expect(versionOf(result)).toContain('(built)');
    const [gobin, ...args] = fs.readFileSync(goLog, 'utf8').trim().split(' ');
    expect(args).toEqual(['install', '-v', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`]);
    expect(path.dirname(gobin)).toBe(temporalCliCacheDir(env)); // built under a scratch name, then renamed
    expect(gobin).not.toBe(temporalCliCacheDir(env));
    expect(cacheEntries(env)).toEqual(['temporal']);
    expect(lines.some((l) => l.startsWith('download failed:'))).toBe(true);
    expect(lines.some((l) => l.startsWith('go install: done'))).toBe(true);
  });

  it('5. a failed build leaves no half binary and ends with the full error', async () => {
    const env = baseEnv('go-fail');
    const goEnv = {
      ...env,
      FUHUA_GO: fakeGo(path.join(root, 'go-fail', 'fake-go')),
      FAKE_GO_LOG: path.join(root, 'go-fail', 'installs.log'),
      FAKE_GO_MODE: 'fail',
    };
    await expect(findTemporalCli({ log, env: goEnv })).rejects.toThrow(/go install exited with 1[\s\S]*syntax error/);
    expect(cacheEntries(env)).toEqual([]);
    expect(lines).toContain('go: temporalcli/x.go:1:1: syntax error'); // errors are passed through
    expect(lines).not.toContain('go: downloading github.com/temporalio/cli v1.5.1'); // progress is only counted
  });

  it('5. concurrent callers build once: the second waits for the lock and reuses the result', async () => {
    const env = baseEnv('go-concurrent');
    const goLog = path.join(root, 'go-concurrent', 'installs.log');
    const goEnv = {
      ...env,
      FUHUA_GO: fakeGo(path.join(root, 'go-concurrent', 'fake-go')),
      FAKE_GO_LOG: goLog,
      FAKE_GO_SLEEP: '1',
    };
    const results = await Promise.all([findTemporalCli({ log, env: goEnv }), findTemporalCli({ log, env: goEnv })]);
    expect(results).toEqual([cachedBinary(env), cachedBinary(env)]);
    expect(fs.readFileSync(goLog, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('waiting for another process'))).toBe(true);
    expect(lines.some((l) => l.endsWith('provided by a concurrent run'))).toBe(true);
    expect(cacheEntries(env)).toEqual(['temporal']);
  });

  it('5. a lock left by a dead process is taken over', async () => {
    const env = baseEnv('go-stale');
    const deadPid = spawnSync('true').pid;
    fs.mkdirSync(temporalCliCacheDir(env), { recursive: true });
    fs.writeFileSync(
      path.join(temporalCliCacheDir(env), '.lock'),
      JSON.stringify({ pid: deadPid, host: os.hostname(), token: 'old' }),
    );
    const goEnv = {
      ...env,
      FUHUA_GO: fakeGo(path.join(root, 'go-stale', 'fake-go')),
      FAKE_GO_LOG: path.join(root, 'go-stale', 'installs.log'),
    };
    await expect(findTemporalCli({ log, env: goEnv })).resolves.toBe(cachedBinary(env));
    expect(lines.some((l) => l.includes(`holder pid ${deadPid} is gone`))).toBe(true);
  });

  it('6. nothing anywhere: fails fast with every way to get the CLI', async () => {
    const env = baseEnv('nothing');
    const t0 = Date.now();
    const err: Error = await findTemporalCli({ log, env }).then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: Error) => e,
    );
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(err.message).toContain(`Temporal CLI v${TEMPORAL_CLI_VERSION} not found`);
    // what was tried
    expect(err.message).toContain('FUHUA_TEMPORAL_CLI: not set');
    expect(err.message).toContain('PATH: no `temporal` found');
    expect(err.message).toContain(`download ${closedPortUrl}`);
    expect(err.message).toMatch(/go install: Go not available \(.*no-such-go not found\)/);
    // every way out
    expect(err.message).toMatch(/set FUHUA_TEMPORAL_CLI=/);
    expect(err.message).toMatch(/put `temporal` on your PATH/);
    expect(err.message).toMatch(/install Go .* and rerun/);
    expect(err.message).toContain('go install github.com/temporalio/cli/cmd/temporal@v1.5.1');
    expect(err.message).toMatch(/download it from the official site, https:\/\/temporal\.download\/cli\/archive\/v1\.5\.1/);
    expect(cacheEntries(env)).toEqual([]); // lock released
    // one short line per step
    expect(lines[0]).toBe('looking for `temporal` on PATH');
    expect(lines.some((l) => l.startsWith('checking cache '))).toBe(true);
    expect(lines.some((l) => l.startsWith('downloading '))).toBe(true);
    expect(lines.some((l) => l.startsWith('looking for Go at FUHUA_GO='))).toBe(true);
  });
});
