import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/**
 * The typed API client. The session lives in an HttpOnly cookie the script cannot read; the CSRF token of the
 * session is kept in memory only (this module), sent on every request that changes something.
 */
let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null): void => {
  csrfToken = token;
};

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !SAFE.has(request.method)) request.headers.set('X-CSRF-Token', csrfToken);
    // The console is in Chinese: the API's texts (problems, task titles) come in Chinese whatever the browser prefers.
    request.headers.set('Accept-Language', 'zh-CN');
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

/** The API's problem+json (the document's Problem schema); a taken service record shift (409) names the record that holds it. */
export type Problem = components['schemas']['Problem'] & { serviceRecordId?: string };
export type FieldError = NonNullable<Problem['errors']>[number];

/** A failed call: the problem+json the API answered (or a stand-in for a network failure). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (fn: () => void): void => {
  onUnauthorized = fn;
};

type Call = Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** The body of a success; a failure (or no answer at all) is thrown as an ApiError, a 401 signs the console out. */
async function settle(call: Call): Promise<unknown> {
  let result: Awaited<Call>;
  try {
    result = await call;
  } catch {
    throw new ApiError({ type: 'network', title: 'network', status: 0 });
  }
  if (!result.response.ok) {
    const problem = (result.error && typeof result.error === 'object' ? result.error : { type: 'unknown', title: '', status: result.response.status }) as Problem;
    if (result.response.status === 401) onUnauthorized();
    throw new ApiError(problem);
  }
  return result.data;
}

/** Awaits a call whose answer the caller does not read (a move, a 204): it only succeeds or throws. */
export async function unwrap(call: Call): Promise<void> {
  await settle(call);
}

/** Unwraps the answer of an operation: its type is the operation's declared schema (schema.d.ts), never named by the caller. */
export function answer<R extends Awaited<Call>>(call: Promise<R>): Promise<NonNullable<R['data']>> {
  return settle(call) as Promise<NonNullable<R['data']>>;
}
