// Every typed operation of the API, feature by feature (api/<feature>/operations.ts). The app mounts them and the
// OpenAPI document is built from them.
import type { Operation } from './operation';
import { operations as regions } from './regions/operations';
import { operations as auth } from './auth/operations';
import { operations as users } from './users/operations';
import { operations as organisations } from './organisations/operations';
import { operations as audit } from './audit/operations';
import { operations as tasks } from './tasks/operations';
import { operations as serviceOrders } from './service-orders/operations';
import { operations as volunteers } from './volunteers/operations';
import { operations as timeBank } from './time-bank/operations';

export const operations: readonly Operation[] = [...regions, ...auth, ...users, ...organisations, ...audit, ...tasks, ...serviceOrders, ...volunteers, ...timeBank];
