/**
 * Update handlers of one workflow run one at a time: each awaits its activities, and the next must see
 * the state it left. Returns a function that queues `fn` behind everything queued before it.
 */
export function serialiser(): <T>(fn: () => Promise<T>) => Promise<T> {
  let lock: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn);
    lock = run.catch(() => undefined);
    return run;
  };
}
