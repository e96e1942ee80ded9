import { defineOperation } from '../operation';
import { Instant, Nullable, Page, PageQuery, Type, Uuid } from '../schema';
import { listInbox } from './service';

const TaskStatus = Type.Union([Type.Literal('open'), Type.Literal('done')], { default: 'open' });
const Task = Type.Object(
  {
    id: Uuid(),
    kind: Type.String(),
    title: Type.String(),
    projectId: Nullable(Uuid()),
    contestId: Nullable(Uuid()),
    dueAt: Nullable(Instant()),
    status: Type.String(),
    createdAt: Instant(),
    completedAt: Nullable(Instant()),
  },
  { additionalProperties: false },
);

export const operations = [
  defineOperation({
    operationId: 'tasks.list',
    method: 'get',
    path: '/api/v1/me/tasks',
    summary: 'Your inbox: what waits for you (named to you, or to your role in your organisation or region), so the product works without email',
    tag: 'tasks',
    access: 'authenticated',
    query: Type.Object({ ...PageQuery, status: Type.Optional(TaskStatus), projectId: Type.Optional(Uuid()) }, { additionalProperties: false }),
    response: Page(Task),
    handler: async ({ query, user, deps, lang }) => {
      const { limit, cursor, status, projectId } = query;
      return { body: await listInbox(deps.db, user, { status: status ?? 'open', projectId }, { limit, cursor }, lang) };
    },
  }),
];
