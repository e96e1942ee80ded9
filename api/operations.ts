// Every typed operation of the API, feature by feature (api/<feature>/operations.ts). The app mounts them and the
// OpenAPI document is built from them. The docs operations (api/docs/) are the one exception: they describe the
// registry they are served from, so api/app.ts makes them with it (docsOperations).
import type { Operation } from './operation';
import { operations as funding } from './funding/operations';
import { operations as regions } from './regions/operations';
import { operations as auth } from './auth/operations';
import { operations as users } from './users/operations';
import { operations as organisations } from './organisations/operations';
import { operations as audit } from './audit/operations';
import { operations as tasks } from './tasks/operations';
import { operations as serviceOrders } from './service-orders/operations';
import { operations as volunteers } from './volunteers/operations';
import { operations as timeBank } from './time-bank/operations';
import { operations as projects } from './projects/operations';
import { operations as design } from './design/operations';
import { operations as review } from './review/operations';
import { operations as tranches } from './tranches/operations';
import { operations as evaluation } from './evaluation/operations';
import { operations as closure } from './closure/operations';
import { operations as health } from './health/operations';
import { operations as programmes } from './programmes/operations';
import { operations as demand } from './demand/operations';
import { operations as contests } from './contests/operations';
import { operations as contestEntries } from './contest-entries/operations';
import { operations as contestJudging } from './contest-judging/operations';
import { operations as delivery } from './delivery/operations';
import { operations as monitoring } from './monitoring/operations';
import { operations as rescoping } from './rescoping/operations';

export const operations: readonly Operation[] = [
  ...regions, ...auth, ...users, ...organisations, ...audit, ...tasks,
  ...programmes, ...demand,
  ...projects, ...design, ...review, ...delivery, ...monitoring, ...tranches, ...evaluation, ...closure,
  ...contests, ...contestEntries, ...contestJudging, ...funding, ...rescoping,
  ...serviceOrders, ...volunteers, ...timeBank,
  ...health,
];
