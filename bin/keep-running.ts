/** A local server as `fuhua start` runs it: stopped cleanly, killed as a last resort, and watched for its exit. */
export interface LocalServer {
  stop: () => Promise<void>;
  kill: () => void;
  exited: Promise<void>;
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;

/**
 * Starts one of the stack's own servers (its PostgreSQL, its Temporal dev server) and keeps it running: if it exits
 * while the stack runs (killed, crashed, out of memory), it is started again on the same files and port, and again
 * after 1 s doubling to 30 s while starting fails (a PostgreSQL killed with SIGKILL leaves backends holding its
 * shared memory for a moment, and refuses to start until they are gone). The API answers 503 (`/readyz` not ready)
 * meanwhile, and the database pool, the worker and the Temporal clients reconnect by themselves. `stop()` stops the
 * current one; no restart follows it.
 */
export async function keepRunning<S extends LocalServer>(name: string, start: () => Promise<S>, say: (line: string) => void): Promise<{ server: S } & Pick<LocalServer, 'stop' | 'kill'>> {
  const first = await start();
  let current: LocalServer | null = first;
  let stopping = false;
  let restarting: Promise<void> = Promise.resolve();

  const watch = (server: LocalServer) => {
    void server.exited.then(() => {
      if (stopping || current !== server) return;
      current = null;
      say(`${name} stopped unexpectedly; starting it again`);
      restarting = restart();
    });
  };

  const restart = async () => {
    for (let wait = FIRST_RETRY_MS; !stopping; wait = Math.min(LAST_RETRY_MS, wait * 2)) {
      try {
        const server = await start();
        if (stopping) {
          await server.stop();
          return;
        }
        current = server;
        watch(server);
        say(`${name} is running again`);
        return;
      } catch (err) {
        say(`${name} could not start again (${(err as Error).message.split('\n')[0]}); trying again in ${wait / 1000} s`);
        // In slices, so that a stop does not wait out the whole pause.
        for (const until = Date.now() + wait; !stopping && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
      }
    }
  };

  watch(first);
  return {
    server: first,
    stop: async () => {
      stopping = true;
      await restarting;
      await current?.stop();
    },
    kill: () => {
      stopping = true;
      current?.kill();
    },
  };
}
