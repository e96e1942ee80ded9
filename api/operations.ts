// Every typed operation of the API, feature by feature (api/<feature>/operations.ts). The app mounts them and the
// OpenAPI document is built from them.
import type { Operation } from './operation';
import { operations as funding } from './funding/operations';
import { operations as regions } from './regions/operations';

export const operations: readonly Operation[] = [...regions, ...funding];
