// The bare engine baseline of the lifecycle section: one workflow per "lifecycle" with one update handler that
// calls no-op activities and returns. No database, no HTTP, no validation: what the engine alone costs.
import { allHandlersFinished, condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';

export interface BareStep {
  /** No-op activities this update awaits (each of the product's moves awaits one). */
  activities: number;
  /** Run them as local activities, in the update's own workflow task (as the product's service orders write). */
  local?: boolean;
  /** The last update of the lifecycle: the workflow completes after it, as a project does when closed. */
  last: boolean;
}

export const bareStep = defineUpdate<number, [BareStep]>('bareStep');

export interface BareActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });
const local = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '30 seconds' });

export async function bareLifecycle(): Promise<number> {
  let handled = 0;
  let done = false;
  setHandler(bareStep, async (step: BareStep) => {
    for (let i = 0; i < step.activities; i++) await (step.local ? local.noop() : noop());
    handled += 1;
    if (step.last) done = true;
    return handled;
  });
  await condition(() => done);
  await condition(allHandlersFinished);
  return handled;
}
