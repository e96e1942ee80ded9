// The project workflow lives in workflows/project/ (one file per feature); this name stays for its importers.
export { projectLifecycle } from './project/lifecycle';
export { initialState, MAX_UPDATES_PER_RUN } from './project/state';
