import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

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

export interface FieldError {
  field: string;
  rule: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  currentStage?: string;
  /** A service record's shift is taken (409): the record that holds it. */
  serviceRecordId?: string;
  errors?: FieldError[];
}

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

/**
 * Unwraps an openapi-fetch answer. The 2xx schemas are not declared yet (they come with the typed operations),
 * so the caller names the shape it reads; the request side (path, parameters, body) is already checked.
 */
export async function unwrap<T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: unknown; error?: unknown; response: Response };
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
  return result.data as T;
}

/** Unwraps the answer of an operation whose 2xx schema is declared: its type comes from the generated schema. */
export function answer<R extends { data?: unknown; error?: unknown; response: Response }>(call: Promise<R>): Promise<NonNullable<R['data']>> {
  return unwrap<NonNullable<R['data']>>(call);
}
