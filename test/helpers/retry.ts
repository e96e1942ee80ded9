// Retrying a move after its answer was lost (issue 9 item 4): the retry with the same Idempotency-Key must get the
// applied update's result, never a refusal from a check that reads what the move itself changed.
import type { Response } from 'supertest';
import { eventually } from './api';
import type { Stack, TestUser } from './stack';

/** Sends a move while no worker runs, so it answers 503; then lets the worker apply it and waits until it has. */
export async function answeredUnavailableThenApplied(stack: Stack, send: () => Promise<Response>, applied: () => Promise<void>): Promise<void> {
  await stack.stopWorker();
  const timeout = stack.deps.config.updateTimeoutMs;
  stack.deps.config.updateTimeoutMs = 300;
  try {
    expect((await send()).status).toBe(503);
  } finally {
    stack.deps.config.updateTimeoutMs = timeout;
    await stack.startWorker();
  }
  await eventually(applied, 30_000);
}

/**
 * Sends a move, then sends it again with the same key as a client does whose answer was lost: the key's stored
 * answer is removed first (as the API removes it after a 503), so the retry runs the request again. Answers both.
 */
export async function sentTwiceAnswerLost(stack: Stack, user: TestUser, key: string, send: () => Promise<Response>): Promise<[Response, Response]> {
  const first = await send();
  expect(await stack.db('idempotency_keys').where({ user_id: user.id, key }).delete()).toBe(1);
  const second = await send();
  return [first, second];
}
