import fs from 'node:fs';
import path from 'node:path';

/**
 * One local stack per data folder: a second `fuhua start` on the same folder refuses instead of
 * letting two PostgreSQL servers or two Temporal servers write the same files.
 */
export function acquireDataLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'fuhua.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8').trim());
      if (pid && isAlive(pid)) {
        throw new Error(`Fuhua is already running on ${dataDir} (process ${pid}). Stop it first, or set FUHUA_DATA_DIR to another folder.`);
      }
      fs.rmSync(file, { force: true }); // left by a process that no longer exists
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
