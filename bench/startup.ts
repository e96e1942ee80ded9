// Section "startup" (issue 2): `node bin/fuhua.js start` from spawn to `/readyz` 200, cold (initdb + migrations)
// and warm (same data dir after a SIGTERM), then SIGTERM and a check that nothing it started is left.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findTemporalCli } from '../bin/temporal-cli';
import {
  LOOPBACK, REPO_ROOT, freePorts, heading, log, memoryOf, onCleanup, portOpen, print, processesMentioning, round, signal, sleep, table, target,
  tempDir, waitPortsClosed, type TargetResult,
} from './util';

export const ADMIN_PASSWORD = 'bench-admin-password-1';
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 45_000;
export const STARTUP_TARGET_MS = 20_000;

export interface Ports {
  api: number;
  pg: number;
  temporal: number;
  ui: number;
}

export interface StopResult {
  stopMs: number;
  exitCode: number | null;
  signal: string | null;
  /** Ports still accepting connections after the stop (must be empty). */
  portsStillOpen: number[];
  /** Processes still mentioning the data dir (PostgreSQL, Temporal) after the stop (must be empty). */
  leftovers: { pid: number; cmdline: string }[];
  forced: boolean;
}

export interface Launch {
  readyMs: number;
  /** What the process itself printed ("Fuhua is ready (x s)"), measured from its own start. */
  selfReportedS: number | null;
  /** When each part first listened, from spawn (ms). */
  listening: { postgres: number | null; temporal: number | null; api: number | null };
  progress: { atMs: number; line: string }[];
}

export interface FuhuaProcess {
  pid: number;
  dataDir: string;
  ports: Ports;
  baseUrl: string;
  adminPassword: string;
  stdoutFile: string;
  stop: () => Promise<StopResult>;
}

function childEnv(dataDir: string, ports: Ports): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The local stack, not an external one.
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;
  delete env.HOST;
  return {
    ...env,
    PORT: String(ports.api),
    FUHUA_DATA_DIR: dataDir,
    FUHUA_PG_PORT: String(ports.pg),
    FUHUA_TEMPORAL_PORT: String(ports.temporal),
    FUHUA_TEMPORAL_UI_PORT: String(ports.ui),
    FUHUA_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
  };
}

/** Spawns `node bin/fuhua.js start` and waits (bounded) for `/readyz` to answer 200. */
export async function launchFuhua(dataDir: string, ports: Ports, label: string): Promise<{ proc: FuhuaProcess; launch: Launch }> {
  const stdoutFile = path.join(path.dirname(dataDir), `fuhua-${label}.stdout.log`);
  const stderrFile = path.join(path.dirname(dataDir), `fuhua-${label}.stderr.log`);
  const out = fs.openSync(stdoutFile, 'w');
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  // stdout (one JSON line per request) goes straight to a file so the benchmark never has to read it under load.
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'fuhua.js'), 'start'], {
    cwd: REPO_ROOT,
    env: childEnv(dataDir, ports),
    stdio: ['ignore', out, 'pipe'],
  });
  fs.closeSync(out);
  const pid = child.pid!;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  const status: { exit: { code: number | null; signal: string | null } | null } = { exit: null };
  void exited.then((e) => (status.exit = e));

  const progress: Launch['progress'] = [];
  const errStream = fs.createWriteStream(stderrFile);
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('error', () => {}); // ECONNRESET as the child dies must not crash the benchmark
  child.stderr!.on('data', (chunk: string) => {
    errStream.write(chunk);
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) if (line.trim() && progress.length < 200) progress.push({ atMs: since(), line: line.trim() });
  });

  const baseUrl = `http://${LOOPBACK}:${ports.api}`;
  const stop = onCleanup(`fuhua start (${label})`, () => stopFuhua(pid, exited, () => status.exit, dataDir, ports, errStream));
  const proc: FuhuaProcess = { pid, dataDir, ports, baseUrl, adminPassword: ADMIN_PASSWORD, stdoutFile, stop };

  const listening: Launch['listening'] = { postgres: null, temporal: null, api: null };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let readyMs: number | null = null;
  while (readyMs === null) {
    if (status.exit) {
      const code = status.exit.code;
      await proc.stop().catch(() => undefined);
      throw new Error(`fuhua start (${label}) exited before it was ready (code ${code}); stderr:\n${tail(stderrFile)}`);
    }
    if (Date.now() > deadline) {
      await proc.stop().catch(() => undefined);
      throw new Error(`fuhua start (${label}) was not ready within ${READY_TIMEOUT_MS / 1000} s; stderr:\n${tail(stderrFile)}`);
    }
    if (listening.postgres === null && (await portOpen(ports.pg))) listening.postgres = since();
    if (listening.temporal === null && (await portOpen(ports.temporal))) listening.temporal = since();
    if (listening.api === null && (await portOpen(ports.api))) listening.api = since();
    if (listening.api !== null) {
      try {
        const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) readyMs = since();
      } catch {
        // not yet
      }
    }
    if (readyMs === null) await sleep(25);
  }
  // The process prints its own figure on stdout right after it starts listening.
  let selfReportedS: number | null = null;
  for (let i = 0; i < 40 && selfReportedS === null; i++) {
    const m = /Fuhua is ready \(([\d.]+) s\)/.exec(fs.readFileSync(stdoutFile, 'utf8'));
    if (m) selfReportedS = Number(m[1]);
    else await sleep(50);
  }
  return { proc, launch: { readyMs: readyMs!, selfReportedS, listening, progress } };
}

async function stopFuhua(
  pid: number,
  exited: Promise<{ code: number | null; signal: string | null }>,
  exitInfo: () => { code: number | null; signal: string | null } | null,
  dataDir: string,
  ports: Ports,
  errStream: fs.WriteStream,
): Promise<StopResult> {
  const started = performance.now();
  let forced = false;
  if (!exitInfo()) {
    signal(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      forced = true;
      signal(pid, 'SIGKILL');
    }, STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  const stopMs = Math.round(performance.now() - started);
  const info = exitInfo() ?? { code: null, signal: null };
  // Give the child servers a moment to go, then look for anything left: by port and by the unique data dir.
  const portsStillOpen = await waitPortsClosed([ports.api, ports.pg, ports.temporal, ports.ui], 10_000);
  let leftovers = processesMentioning(dataDir);
  for (let i = 0; i < 50 && leftovers.length; i++) {
    await sleep(100);
    leftovers = processesMentioning(dataDir);
  }
  const found = leftovers.map((p) => ({ pid: p.pid, cmdline: p.cmdline.slice(0, 160) }));
  // Never leave them running: they are ours (they run on our unique temporary data dir).
  for (const p of leftovers) signal(p.pid, 'SIGKILL');
  errStream.end();
  return { stopMs, exitCode: info.code, signal: info.signal, portsStillOpen, leftovers: found, forced };
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export interface StartupResult {
  cold: Launch & { stop: StopResult };
  warm: Launch & { stop: StopResult | null };
  temporalCli: string;
  dataDirMiB: number;
  memoryAfterReady: { node: number | null; temporal: number | null };
}

/** Cold start, SIGTERM, warm restart on the same data dir. With `keep`, the warm stack is left running for the http section. */
export async function runStartup(opts: { keep?: boolean } = {}): Promise<{ result: StartupResult; targets: TargetResult[]; running: FuhuaProcess | null }> {
  heading('startup: `node bin/fuhua.js start` until /readyz answers 200');
  // "With the Temporal CLI cached": find it once beforehand, as a second `npm start` would.
  const temporalCli = await findTemporalCli({ log: () => undefined });
  const root = tempDir('fuhua-bench-start-');
  const removeRoot = onCleanup('startup temp dir', async () => fs.rmSync(root, { recursive: true, force: true }));
  const dataDir = path.join(root, 'data');
  const [api, pg, temporal, ui] = await freePorts(4);
  const ports: Ports = { api, pg, temporal, ui };
  log(`cold start: data dir ${dataDir}, ports api ${api}, pg ${pg}, temporal ${temporal}, ui ${ui}`);

  const cold = await launchFuhua(dataDir, ports, 'cold');
  log(`cold: ready after ${cold.launch.readyMs} ms; stopping with SIGTERM`);
  const coldStop = await cold.proc.stop();
  log(`cold: stopped in ${coldStop.stopMs} ms (exit ${coldStop.exitCode}${coldStop.signal ? `, ${coldStop.signal}` : ''})`);

  const warm = await launchFuhua(dataDir, ports, 'warm');
  log(`warm: ready after ${warm.launch.readyMs} ms`);
  const tree = memoryOf(warm.proc.pid);
  const temporalPid = processesMentioning(path.join(dataDir, 'temporal.sqlite'))[0]?.pid;
  const memoryAfterReady = { node: tree?.rssMiB ?? null, temporal: temporalPid ? memoryOf(temporalPid)?.rssMiB ?? null : null };
  let warmStop: StopResult | null = null;
  let running: FuhuaProcess | null = warm.proc;
  if (!opts.keep) {
    warmStop = await warm.proc.stop();
    running = null;
    log(`warm: stopped in ${warmStop.stopMs} ms`);
  }
  const dataDirMiB = round(duMiB(dataDir), 1);
  if (!running) await removeRoot();

  const result: StartupResult = { cold: { ...cold.launch, stop: coldStop }, warm: { ...warm.launch, stop: warmStop }, temporalCli, dataDirMiB, memoryAfterReady };
  printStartup(result);
  const targets = [
    target('startup', 'cold start ready within 20 s', `${(cold.launch.readyMs / 1000).toFixed(1)} s`, cold.launch.readyMs <= STARTUP_TARGET_MS),
    target('startup', 'warm restart ready within 20 s', `${(warm.launch.readyMs / 1000).toFixed(1)} s`, warm.launch.readyMs <= STARTUP_TARGET_MS),
    target('startup', 'SIGTERM leaves no process or port behind', stopSummary([coldStop, ...(warmStop ? [warmStop] : [])]), [coldStop, warmStop].every((s) => !s || (s.portsStillOpen.length === 0 && s.leftovers.length === 0 && !s.forced))),
  ];
  if (running) {
    // The caller stops it; the temp dir goes after it.
    const stopRunning = running.stop;
    running.stop = async () => {
      const s = await stopRunning();
      await removeRoot();
      return s;
    };
  }
  return { result, targets, running };
}

export function stopSummary(stops: StopResult[]): string {
  const bad = stops.filter((s) => s.portsStillOpen.length || s.leftovers.length || s.forced);
  if (bad.length === 0) return `clean (${stops.map((s) => `${(s.stopMs / 1000).toFixed(1)} s`).join(', ')})`;
  return bad.map((s) => `${s.forced ? 'SIGKILL needed; ' : ''}ports open: ${s.portsStillOpen.join(',') || 'none'}; left: ${s.leftovers.map((l) => l.pid).join(',') || 'none'}`).join(' | ');
}

function duMiB(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      try {
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) bytes += fs.statSync(p).size;
      } catch {
        /* vanished */
      }
    }
  };
  try {
    walk(dir);
  } catch {
    return NaN;
  }
  return bytes / 2 ** 20;
}

function printStartup(r: StartupResult): void {
  const s = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(2));
  print(
    table(
      [
        ['cold (initdb + migrations)', s(r.cold.readyMs), r.cold.selfReportedS ?? '-', s(r.cold.listening.postgres), s(r.cold.listening.temporal), s(r.cold.listening.api), s(r.cold.stop.stopMs)],
        ['warm (same data dir)', s(r.warm.readyMs), r.warm.selfReportedS ?? '-', s(r.warm.listening.postgres), s(r.warm.listening.temporal), s(r.warm.listening.api), r.warm.stop ? s(r.warm.stop.stopMs) : '(kept for http)'],
      ],
      ['start', 'ready s', 'self-reported s', 'pg listening s', 'temporal listening s', 'api listening s', 'SIGTERM stop s'],
    ),
  );
  print(`Temporal CLI: ${r.temporalCli}; data dir after the runs: ${r.dataDirMiB} MiB; RSS after warm ready: node ${r.memoryAfterReady.node ?? '?'} MiB, temporal ${r.memoryAfterReady.temporal ?? '?'} MiB`);
  print('cold start progress (ms from spawn):');
  for (const p of r.cold.progress.filter((x) => x.line.startsWith('[fuhua]'))) print(`  ${String(p.atMs).padStart(6)}  ${p.line.slice(0, 140)}`);
  for (const [name, st] of [['cold', r.cold.stop], ['warm', r.warm.stop]] as const) {
    if (!st) continue;
    print(`${name} stop: exit ${st.exitCode}${st.signal ? ` (${st.signal})` : ''}, ${st.forced ? 'needed SIGKILL, ' : ''}ports still open: ${st.portsStillOpen.join(', ') || 'none'}, processes left: ${st.leftovers.map((l) => `${l.pid} ${l.cmdline}`).join('; ') || 'none'}`);
  }
}

