// What a start after a kill -9 counts as left on its data folder (bin/leftovers.ts), with stand-ins: small node
// processes running under a server's name (argv0) with that server's command line, or with `fuhua cluster`'s
// environment. The real thing (a killed `fuhua start`) is test/platform/start.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLUSTER_DIR_ENV, findLeftovers, stopLeftovers } from '../../bin/leftovers';

let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-leftovers-'));
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A process that idles until signalled, running as `name` with these arguments (after the script's own). */
function standIn(name: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', ...args], { argv0: name, env: { ...process.env, ...env }, stdio: 'ignore' });
  children.push(child);
  return child.pid!;
}

const waitUntilRunning = async (pids: number[]) => {
  // /proc shows the new command line once the process has exec'd.
  for (let i = 0; i < 50 && !pids.every((pid) => fs.existsSync(`/proc/${pid}/cmdline`) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('setInterval')); i++) await new Promise((r) => setTimeout(r, 100));
};

test('the servers naming a path inside the folder and the cluster\'s Fuhua processes are found and stopped; others are left alone', async () => {
  const data = path.join(dir, 'data');
  const postgres = standIn('postgres', ['-D', path.join(data, 'postgres'), '-p', '5488']);
  const temporal = standIn('/opt/bin/temporal', ['server', 'start-dev', '--db-filename', path.join(data, 'temporal.sqlite')]);
  const clusterServer = standIn('temporal-server', ['--root', path.join(data, 'cluster'), 'start']);
  const clusterApi = standIn('node', ['api'], { [CLUSTER_DIR_ENV]: path.join(data, 'cluster') });
  // Not ours: another folder's server, a program that is not a server, a folder whose name only starts alike.
  const elsewhere = standIn('postgres', ['-D', path.join(dir, 'other', 'postgres')]);
  const reader = standIn('tail', ['-f', path.join(data, 'temporal.sqlite')]);
  const alike = standIn('postgres', ['-D', `${data}-old/postgres`]);
  await waitUntilRunning([postgres, temporal, clusterServer, clusterApi, elsewhere, reader, alike]);

  const pids = (except?: string[]) => findLeftovers(data, except).map((l) => l.pid).sort();
  expect(pids()).toEqual([postgres, temporal, clusterServer, clusterApi].sort());
  // `fuhua start` leaves the cluster's folder (locked apart) alone.
  expect(pids([path.join(data, 'cluster')])).toEqual([postgres, temporal].sort());
  expect(findLeftovers(path.join(data, 'cluster')).map((l) => l.pid).sort()).toEqual([clusterServer, clusterApi].sort());

  const said: string[] = [];
  expect(await stopLeftovers(data, (l) => said.push(l))).toBe(4);
  expect(findLeftovers(data)).toEqual([]);
  expect(said.join('\n')).toContain(`stopping PostgreSQL (process ${postgres}) left running on ${data}`);
  expect(said.join('\n')).toContain(`stopping the Temporal server (process ${temporal})`);
  expect(said.join('\n')).toContain(`stopping a Fuhua process (`);
  for (const pid of [elsewhere, reader, alike]) expect(() => process.kill(pid, 0)).not.toThrow();
});
