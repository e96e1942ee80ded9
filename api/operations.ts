// Every typed operation of the API, feature by feature (api/<feature>/operations.ts). The app mounts them and the
// OpenAPI document is built from them.
import type { Operation } from './operation';
import { operations as regions } from './regions/operations';
import { operations as projects } from './projects/operations';
import { operations as design } from './design/operations';
import { operations as review } from './review/operations';
import { operations as tranches } from './tranches/operations';
import { operations as evaluation } from './evaluation/operations';
import { operations as closure } from './closure/operations';

export const operations: readonly Operation[] = [...regions, ...projects, ...design, ...review, ...tranches, ...evaluation, ...closure];
