import { UnavailableError } from './errors';
import type { AppDeps } from './registry';

export type UpdateDeps = Pick<AppDeps, 'temporal' | 'db'> & { config?: Pick<AppDeps['config'], 'updateTimeoutMs'> };

/**
 * A request does not wait for ever on a move whose worker is down or whose activity keeps failing: after
 * the timeout it answers 503. The update itself goes on; retrying with the same Idempotency-Key (the same
 * update id) returns its result once it is done, and never applies it twice.
 */
export async function awaitUpdate<T>(deps: UpdateDeps, run: Promise<T>): Promise<T> {
  const ms = deps.config?.updateTimeoutMs ?? 25_000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`The move did not finish within ${Math.round(ms / 1000)} s; it may still complete. Retry with the same Idempotency-Key to get its result.`, 5)), ms);
  });
  run.catch(() => undefined); // a late failure must not go unhandled
  try {
    return await Promise.race([run, late]);
  } finally {
    clearTimeout(timer);
  }
}
