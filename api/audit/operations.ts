import { defineOperation } from '../operation';
import { Instant, Nullable, Page, PageQuery, Type, Uuid } from '../schema';
import { listAudit } from './service';

const AuditEntry = Type.Object(
  {
    id: Type.String({ pattern: '^[1-9][0-9]*$', description: 'The entry id (a bigint, as text)' }),
    at: Instant(),
    actorId: Nullable(Uuid()),
    action: Type.String(),
    objectType: Type.String(),
    objectId: Type.String(),
    before: Type.Unknown({ description: 'The object before the change (JSON), or null' }),
    after: Type.Unknown({ description: 'The object after the change (JSON), or null' }),
    requestId: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

export const operations = [
  defineOperation({
    operationId: 'audit.list',
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit log, newest first: who did what to which object, when, before and after',
    tag: 'admin',
    access: ['admin'],
    query: Type.Object(
      { ...PageQuery, objectType: Type.Optional(Type.String({ maxLength: 50 })), objectId: Type.Optional(Type.String({ maxLength: 100 })), actorId: Type.Optional(Uuid()) },
      { additionalProperties: false },
    ),
    response: Page(AuditEntry),
    handler: async ({ query, deps }) => {
      const { limit, cursor, ...filter } = query;
      return { body: await listAudit(deps.db, filter, { limit, cursor }) };
    },
  }),
];
