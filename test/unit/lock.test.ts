import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireDataLock } from '../../bin/lock';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fuhua-lock-'));

test('when a running process holds the data folder, a second start refuses and names that process', () => {
  const dir = tmp();
  const release = acquireDataLock(dir);
  expect(() => acquireDataLock(dir)).toThrow(new RegExp(`already running on ${dir.replace(/[/\\]/g, '.')} \\(process ${process.pid}\\)`));
  release();
  expect(fs.existsSync(path.join(dir, 'fuhua.lock'))).toBe(false);
});

test('when the lock was left by a process that no longer exists, the next start takes it over', async () => {
  const dir = tmp();
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.once('exit', r));
  fs.writeFileSync(path.join(dir, 'fuhua.lock'), `${pid}\n`);
  const release = acquireDataLock(dir);
  expect(fs.readFileSync(path.join(dir, 'fuhua.lock'), 'utf8').trim()).toBe(String(process.pid));
  release();
});
