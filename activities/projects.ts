import type { ActivityDeps } from './deps';
import { createProjectEventActivities } from './project-events';

export function createProjectActivities(deps: ActivityDeps) {
  return {
    ...createProjectEventActivities(deps),
  };
}
