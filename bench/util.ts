// Shared helpers of the benchmark: ports, timing, percentiles, printing, process inspection and cleanup.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const LOOPBACK = '127.0.0.1';

// ---- cleanup: everything a section starts registers how to stop it, so a failure or Ctrl-C stops it too ----

type Cleanup = { name: string; run: () => Promise<unknown> };
const cleanups: Cleanup[] = [];

/** Registers a stop step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup<T>(name: string, run: () => Promise<T>): () => Promise<T> {
  let done: Promise<T> | null = null;
  const once = () => (done ??= run());
  const entry: Cleanup = { name, run: once };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
    return once();
  };
}

/** Runs every registered stop step, newest first, each bounded in time. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const step = cleanups.pop()!;
    try {
      await withTimeout(step.run(), 60_000, `stopping ${step.name}`);
    } catch (err) {
      process.stderr.write(`[bench] cleanup of ${step.name} failed: ${(err as Error).message}\n`);
    }
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- ports ----

/** A port the kernel just gave out on the loopback interface (closed again, so the caller can bind it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < n && i < 100; i++) ports.add(await freePort());
  if (ports.size < n) throw new Error('could not find enough free ports');
  return [...ports];
}

export function portOpen(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits (bounded) until none of the ports accepts connections; returns the ones still open. */
export async function waitPortsClosed(ports: number[], ms = 10_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open: number[] = [];
    for (const p of ports) if (await portOpen(p)) open.push(p);
    if (open.length === 0 || Date.now() > deadline) return open;
    await sleep(100);
  }
}

// ---- statistics ----

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface LatencyStats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function latencyStats(samples: number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: round(percentile(s, 50)), p90: round(percentile(s, 90)), p99: round(percentile(s, 99)), max: round(s[s.length - 1] ?? NaN), mean: round(mean) };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** A seeded PRNG (mulberry32): the same data on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- printing ----

export function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

export function heading(title: string): void {
  process.stdout.write(`\n=== ${title} ${'='.repeat(Math.max(3, 76 - title.length))}\n`);
}

export function table(rows: (string | number)[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths = all[0].map((_, c) => Math.max(...all.map((r) => String(r[c] ?? '').length)));
  const fmt = (r: (string | number)[]) => r.map((v, c) => (typeof v === 'number' ? String(v).padStart(widths[c]) : String(v).padEnd(widths[c]))).join('  ').trimEnd();
  const lines = all.map(fmt);
  if (header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n') + '\n';
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

// ---- targets ----

export interface TargetResult {
  section: string;
  target: string;
  measured: string;
  met: boolean;
}

export function target(section: string, name: string, measured: string, met: boolean): TargetResult {
  return { section, target: name, measured, met };
}

// ---- processes (Linux /proc), to check what is left behind and to measure CPU and memory ----

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
  /** user + system CPU time in seconds, with that of its exited (reaped) children */
  cpu: number;
}

const TICKS = 100; // USER_HZ on Linux

export function procInfo(pid: number): ProcInfo | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    return { pid, ppid: Number(fields[1]), comm, cmdline, cpu: (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS };
  } catch {
    return null; // gone
  }
}

export function allProcesses(): ProcInfo[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procInfo(Number(d)))
    .filter((p): p is ProcInfo => p !== null);
}

/** The process and all its descendants (detached children included: they keep their parent pid). */
export function processTree(rootPid: number): ProcInfo[] {
  const procs = allProcesses();
  const out: ProcInfo[] = [];
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift()!;
    const p = procs.find((x) => x.pid === pid);
    if (p) out.push(p);
    for (const c of procs) if (c.ppid === pid) queue.push(c.pid);
  }
  return out;
}

/** Processes whose command line mentions `needle` (a unique temp dir), other than this one. */
export function processesMentioning(needle: string): ProcInfo[] {
  return allProcesses().filter((p) => p.pid !== process.pid && p.cmdline.includes(needle));
}

/** Peak resident set (VmHWM) and current resident set (VmRSS) of a process, in MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: round(kb('VmRSS') / 1024, 1), peakMiB: round(kb('VmHWM') / 1024, 1) };
  } catch {
    return null;
  }
}

/** CPU seconds per process kind (node, postgres, temporal, ...) of a process tree. */
export function cpuByKind(rootPid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of processTree(rootPid)) {
    const kind = p.comm.startsWith('postgres') || p.cmdline.startsWith('postgres') ? 'postgres' : p.comm;
    out[kind] = (out[kind] ?? 0) + p.cpu;
  }
  return out;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    loadavg: os.loadavg().map((x) => round(x, 2)),
  };
}

export function loadavg1(): number {
  return round(os.loadavg()[0], 2);
}

/** Sends a signal to a pid we started, ignoring "already gone". */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temporary directory that PostgreSQL (run as the postgres user when we are root) can enter. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Loopback only: the benchmark never talks to another host. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== LOOPBACK && host !== 'localhost') throw new Error(`the benchmark only talks to loopback addresses, not ${host}`);
}

// ---- memory ----

/** Samples this process's resident memory every 100 ms (and the Temporal server's every second). */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peakRss = 0;
  peakHeap = 0;
  peakTemporal = 0;
  peakWorker = 0;
  peakApiTotal = 0;
  private ticks = 0;
  /** `apiPid`: the API when it runs as its own process(es): the root of its process tree. */
  constructor(private readonly temporalPid: number | null, private readonly workerPid: number | null = null, private readonly apiPid: number | null = null) {}
  start(): this {
    this.timer = setInterval(() => {
      const m = process.memoryUsage();
      this.peakRss = Math.max(this.peakRss, m.rss);
      this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
      if (this.ticks++ % 10 === 0) {
        if (this.temporalPid) this.peakTemporal = Math.max(this.peakTemporal, (memoryOf(this.temporalPid)?.rssMiB ?? 0) * 2 ** 20);
        if (this.workerPid) this.peakWorker = Math.max(this.peakWorker, (memoryOf(this.workerPid)?.rssMiB ?? 0) * 2 ** 20);
        if (this.apiPid) {
          const total = processTree(this.apiPid).reduce((sum, p) => sum + (memoryOf(p.pid)?.rssMiB ?? 0), 0);
          this.peakApiTotal = Math.max(this.peakApiTotal, total * 2 ** 20);
        }
      }
    }, 100);
    this.timer.unref();
    return this;
  }
  stop(): {
    peakRssMiB: number; peakHeapMiB: number; temporalPeakRssMiB: number | null; workerPeakRssMiB: number | null;
    /** The largest API process's own high-water mark, and the peak of all API processes together (sampled). */
    api: { processes: number; peakRssMiB: number; totalPeakRssMiB: number } | null;
  } {
    if (this.timer) clearInterval(this.timer);
    const mib = (b: number) => round(b / 2 ** 20, 1);
    // A process's own high-water mark (VmHWM) is exact; the 1 s samples may miss a short peak.
    const hwm = this.workerPid ? memoryOf(this.workerPid)?.peakMiB ?? 0 : 0;
    const apiTree = this.apiPid ? processTree(this.apiPid) : [];
    return {
      peakRssMiB: mib(this.peakRss), peakHeapMiB: mib(this.peakHeap), temporalPeakRssMiB: this.temporalPid ? mib(this.peakTemporal) : null,
      workerPeakRssMiB: this.workerPid ? Math.max(mib(this.peakWorker), hwm) : null,
      api: this.apiPid
        ? { processes: apiTree.length, peakRssMiB: Math.max(0, ...apiTree.map((p) => memoryOf(p.pid)?.peakMiB ?? 0)), totalPeakRssMiB: mib(this.peakApiTotal) }
        : null,
    };
  }
}

// ---- HTTP (node:http on keep-alive connections: real sockets, and a client light enough not to be the bottleneck) ----

const REQUEST_TIMEOUT_MS = 30_000;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  ms: number;
}

/** An answer's body: JSON when it parses, else the text (CSV, the docs page), null when empty. */
function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function call(baseUrl: string, method: string, urlPath: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const t0 = performance.now();
  const payload = body !== undefined ? JSON.stringify(body) : undefined;
  return new Promise<Reply>((resolve, reject) => {
    const req = http.request(baseUrl + urlPath, {
      method,
      agent,
      timeout: REQUEST_TIMEOUT_MS,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        ...headers,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const ms = performance.now() - t0;
        resolve({ status: res.statusCode ?? 0, body: parseBody(Buffer.concat(chunks).toString('utf8')), ms });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * One keep-alive HTTP/1.1 connection speaking just what the API answers (Content-Length bodies), one request at a
 * time, as autocannon's connections do: a load generator far lighter than node:http, so that on a 2-core machine the
 * client does not take the CPU the API is being measured on. For races where each simulated user has its own
 * connection (the funders); `call` stays the general client.
 */
export class RawConnection {
  private socket: net.Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void; t0: number } | null = null;

  constructor(private readonly host: string, private readonly port: number) {}

  static forUrl(baseUrl: string): RawConnection {
    const u = new URL(baseUrl);
    return new RawConnection(u.hostname, Number(u.port));
  }

  request(method: string, urlPath: string, token: string | null, body?: unknown): Promise<Reply> {
    if (this.pending) return Promise.reject(new Error('RawConnection: one request at a time'));
    const payload = body === undefined ? '' : JSON.stringify(body);
    const head =
      `${method} ${urlPath} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nConnection: keep-alive\r\n` +
      (token ? `Authorization: Bearer ${token}\r\n` : '') +
      (body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`) +
      '\r\n';
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject, t0: performance.now() };
      this.connected().write(head + payload);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connected(): net.Socket {
    if (this.socket) return this.socket;
    const socket = net.connect({ host: this.host, port: this.port, noDelay: true });
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      this.parse();
    });
    const fail = (err: Error) => {
      this.socket = null;
      this.buffer = Buffer.alloc(0);
      const p = this.pending;
      this.pending = null;
      p?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
    this.socket = socket;
    return socket;
  }

  private parse(): void {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0 || !this.pending) return;
    const head = this.buffer.subarray(0, end).toString('latin1');
    const status = Number(head.slice(9, 12));
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
    if (!Number.isFinite(length)) {
      this.socket?.destroy(new Error(`RawConnection: an answer without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    if (this.buffer.length < end + 4 + length) return;
    const text = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    const p = this.pending;
    this.pending = null;
    p.resolve({ status, body: parseBody(text), ms: performance.now() - p.t0 });
  }
}
