// The workflow bundle's entry: workflow functions only.
export { projectLifecycle } from './project-lifecycle';
