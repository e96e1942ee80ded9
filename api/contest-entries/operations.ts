import { defineOperation } from '../operation';
import { IdParams, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { RuleKey } from '../contests/schemas';
import { Entry, EntryStatus, EntryWithProposal } from './schemas';
import { enterContest, getEntry, listEntries, withdrawEntry } from './service';

const EntryParams = Type.Object({ id: Uuid(), entryId: Uuid() }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'contestEntries.create',
    method: 'post',
    path: '/api/v1/contests/:id/entries',
    summary: 'Enter an approved project of an eligible programme (the applicant organisation or the organiser); the project moves to in_contest',
    description:
      'A project you cannot see answers 404, as an unknown one does. Entering a project already entered answers its entry (200). With an Idempotency-Key, a retry after the entry applied answers the entry (201) whatever phase the contest has reached since.',
    tag: 'contests',
    access: ['applicant', 'organiser', 'admin'],
    status: 201,
    params: IdParams,
    body: Type.Object({ projectId: Uuid(), trackKey: RuleKey() }, { additionalProperties: false }),
    response: Entry,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, requestId, idempotencyKey }) => enterContest(deps, user, requestId, params.id, body, idempotencyKey),
  }),

  defineOperation({
    operationId: 'contestEntries.list',
    method: 'get',
    path: '/api/v1/contests/:id/entries',
    summary: "A contest's entries: organisers all, applicants their own, judges their assignments (blind: without the organisation), everyone the ranked ones once published",
    tag: 'contests',
    access: 'authenticated',
    params: IdParams,
    query: Type.Object({ ...PageQuery, status: Type.Optional(EntryStatus), trackKey: Type.Optional(RuleKey()) }, { additionalProperties: false }),
    response: Page(Entry),
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await listEntries(deps.db, user, params.id, query) }),
  }),

  defineOperation({
    operationId: 'contestEntries.get',
    method: 'get',
    path: '/api/v1/contests/:id/entries/:entryId',
    summary: 'One entry with its proposal (a judge sees only assigned entries; blind contests hide the organisation and the team lead)',
    tag: 'contests',
    access: 'authenticated',
    params: EntryParams,
    response: EntryWithProposal,
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getEntry(deps.db, user, params.id, params.entryId) }),
  }),

  defineOperation({
    operationId: 'contestEntries.withdraw',
    method: 'post',
    path: '/api/v1/contests/:id/entries/:entryId/withdraw',
    summary: 'Withdraw an entry before judging (the applicant), or screen it out (the organiser); the project goes back to the library, still approved',
    tag: 'contests',
    access: ['applicant', 'organiser', 'admin'],
    params: EntryParams,
    body: Type.Object({ reason: Text(2000, { minLength: 1 }) }, { additionalProperties: false }),
    response: Entry,
    problems: [404, 409, 422, 503],
    handler: async ({ params, body, user, deps, requestId }) => ({ body: await withdrawEntry(deps, user, requestId, params.id, params.entryId, body.reason) }),
  }),
];
