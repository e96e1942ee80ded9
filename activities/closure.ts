import type { WriteHandlers } from './project-event-types';

// Closure: the final report travels in the event's data (applyProjectEvent puts it there); nothing else to write.
export const closureWrites = {
  async closure() {},
} satisfies WriteHandlers;
