import type { ActivityDeps } from './deps';
import { createProjectActivities } from './projects';
import { createContestActivities } from './contests';
import { createAlertActivities } from './alerts';
import { withDataErrors } from './data-errors';
import { createServiceOrderActivities } from './service-orders';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers, each area built by its own factory from the same dependencies. */
export function createActivities(deps: ActivityDeps) {
  return withDataErrors({
    ...createProjectActivities(deps),
    ...createContestActivities(deps),
    ...createAlertActivities(deps),
    ...createServiceOrderActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
