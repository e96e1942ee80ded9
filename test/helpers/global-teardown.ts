import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__fuhuaTest as
    | { env: { teardown: () => Promise<void> }; pg: { stop: () => Promise<void> }; work: string }
    | undefined;
  if (!state) return;
  await state.env.teardown();
  await state.pg.stop();
  fs.rmSync(state.work, { recursive: true, force: true });
}
