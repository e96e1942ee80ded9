import fs from 'node:fs';
import path from 'node:path';

/** The servers a local stack starts in their own process groups, by the name they run under. */
const SERVERS = new Set(['postgres', 'temporal', 'temporal-server']);
/** Set by `fuhua cluster` on its `fuhua api` and `fuhua worker` processes: the cluster's folder. */
export const CLUSTER_DIR_ENV = 'FUHUA_CLUSTER_DIR';

export interface Leftover {
  pid: number;
  argv: string[];
}

/**
 * Servers left running on a data folder by a stack that was killed (kill -9, the out-of-memory killer):
 * PostgreSQL and the Temporal server run in their own process groups (so that Ctrl-C reaches only Fuhua, which stops
 * them last), so they outlive Fuhua's own process when it dies without its shutdown. A process counts when it runs
 * as one of those servers (PostgreSQL's postmaster, not its workers) and names a path inside the folder on its
 * command line (`-D <folder>/postgres`, `--db-filename <folder>/temporal.sqlite`, `--root <folder>`), or when it is
 * one of `fuhua cluster`'s own Fuhua processes (`FUHUA_CLUSTER_DIR` in its environment names the folder). Linux
 * only: it reads /proc, and finds none elsewhere.
 */
export function findLeftovers(dataDir: string, except: string[] = []): Leftover[] {
  const under = (dir: string) => {
    const root = path.resolve(dir);
    return (arg: string) => arg === root || arg.startsWith(root + path.sep);
  };
  const skipped = except.map(under);
  const ours = under(dataDir);
  const inside = (arg: string) => ours(arg) && !skipped.some((s) => s(arg));
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found: Leftover[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (argv.length && SERVERS.has(path.basename(argv[0])) && argv.slice(1).some(inside)) found.push({ pid, argv });
    else if (inside(clusterDirOf(pid) ?? '')) found.push({ pid, argv });
  }
  return found;
}

/** The cluster folder a `fuhua cluster` child names in its environment, or null (none, or not ours to read). */
function clusterDirOf(pid: number): string | null {
  try {
    const entry = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(`${CLUSTER_DIR_ENV}=`));
    return entry ? entry.slice(CLUSTER_DIR_ENV.length + 1) : null;
  } catch {
    return null;
  }
}

/**
 * Stops the servers a killed stack left on this folder before new ones start on its files and ports. Called with
 * the folder's lock held, so no live stack uses them; `except` names folders inside it with locks of their own (the
 * cluster's). Each is asked to stop (PostgreSQL's fast shutdown: open transactions rolled back, a checkpoint
 * written; the others SIGTERM), and killed if it has not stopped within 15 s.
 */
export async function stopLeftovers(dataDir: string, say: (line: string) => void, except: string[] = []): Promise<number> {
  const leftovers = findLeftovers(dataDir, except);
  await Promise.all(leftovers.map(async ({ pid, argv }) => {
    const name = path.basename(argv[0]);
    const what = name === 'postgres' ? 'PostgreSQL' : SERVERS.has(name) ? 'the Temporal server' : `a Fuhua process (${argv.slice(1, 3).map((a) => path.basename(a)).join(' ')})`;
    say(`stopping ${what} (process ${pid}) left running on ${dataDir} by an earlier start that did not shut down`);
    signal(pid, name === 'postgres' ? 'SIGINT' : 'SIGTERM');
    if (await exited(pid, 15_000)) return;
    say(`process ${pid} did not stop within 15 s: killing it`);
    signal(pid, 'SIGKILL');
    if (!(await exited(pid, 5_000))) throw new Error(`could not stop process ${pid} (${argv.join(' ')}); stop it by hand`);
  }));
  return leftovers.length;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function exited(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!alive(pid)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Alive and not a zombie (a leftover's parent died, so init reaps it; until then it shows as Z). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
