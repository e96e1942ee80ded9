// The workflow bundle's entry: workflow functions only.
export { projectLifecycle } from './project-lifecycle';
export { ventureContest } from './venture-contest';
export { serviceOrder } from './service-order/service-orders';
