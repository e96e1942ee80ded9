import request from 'supertest';
import type { Stack, TestUser } from './stack';

/** A signed-in client for the test app: `as(user).post(path, body)`. */
export function as(stack: Stack, user: TestUser) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${user.token}`);
  return {
    get: (path: string) => auth(request(stack.app).get(path)),
    post: (path: string, body: object = {}, headers: Record<string, string> = {}) => auth(request(stack.app).post(path)).set(headers).send(body),
    put: (path: string, body: object = {}) => auth(request(stack.app).put(path)).send(body),
    patch: (path: string, body: object = {}) => auth(request(stack.app).patch(path)).send(body),
  };
}

/** Polls until `check` passes (for timers and background work), failing with the last error after `ms`. */
export async function eventually<T>(check: () => Promise<T>, ms = 15_000, every = 200): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, every));
    }
  }
}
