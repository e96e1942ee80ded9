import { ApplicationFailure } from '@temporalio/common';

/**
 * PostgreSQL's data errors (SQLSTATE class 22: a NUL in text, a value out of range; class 23: a constraint
 * broken) fail the same way on every retry: they become a non-retryable `DataError`, which the API answers
 * with 422 and the workflow leaves its state unchanged for. Everything else (connections, serialisation,
 * deadlocks) stays retryable.
 */
export function asDataError(err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^2[23][0-9A-Z]{3}$/.test(code)) return err;
  const e = err as { message?: string; constraint?: string; column?: string };
  return ApplicationFailure.create({
    type: 'DataError',
    message: `the database refused the data (${code}): ${e.message ?? ''}`.slice(0, 500),
    details: [{ sqlstate: code, constraint: e.constraint ?? null, column: e.column ?? null }],
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

type AnyFn = (...args: never[]) => Promise<unknown>;

/** Wraps every activity so its data errors leave it as DataError. */
export function withDataErrors<T extends Record<string, AnyFn>>(activities: T): T {
  const out: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(activities)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw asDataError(err);
      }
    };
  }
  return out as T;
}
