import { defineOperation } from '../operation';
import { Fen, IdParams, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { CancelledSubscription, ContestResults, Pledge, Subscribed, Subscription, SupportKind, WithdrawnPledge } from './schemas';
import { cancelSubscription, contestResults, contestResultsCsv, createPledge, listPledges, listSubscriptions, subscribe, withdrawPledge } from './service';

const Reason = (what: string) => Type.Object({ reason: Type.Optional(Text(2000, { minLength: 1, description: `Why the ${what} (kept in the audit log)` })) }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'contestPledges.create',
    method: 'post',
    path: '/api/v1/contests/:id/pledges',
    summary: "Pledge cash, goods or services to the contest, valued in fen (the funder's organisation)",
    tag: 'contests',
    access: ['funder'],
    status: 201,
    transaction: true,
    params: IdParams,
    body: Type.Object(
      { kind: SupportKind, valueFen: Fen({ minimum: 1, description: 'Value in fen (1/100 yuan); goods and services at their agreed value' }), description: Type.Optional(Text(2000)) },
      { additionalProperties: false },
    ),
    response: Pledge,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx, requestId }) => ({ status: 201, body: await createPledge(trx, user, requestId, params.id, body) }),
  }),

  defineOperation({
    operationId: 'contestPledges.withdraw',
    method: 'post',
    path: '/api/v1/contests/:id/pledges/:pledgeId/withdraw',
    summary: "Withdraw what is left of a pledge before the award: its value comes down to what is already subscribed, or the pledge goes if nothing is (the funder's organisation, or an organiser)",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    transaction: true,
    params: Type.Object({ id: Uuid(), pledgeId: Uuid() }, { additionalProperties: false }),
    body: Type.Optional(Reason('pledge is withdrawn')),
    response: WithdrawnPledge,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx, requestId }) => ({ body: await withdrawPledge(trx, user, requestId, params.id, params.pledgeId, body?.reason ?? null) }),
  }),

  defineOperation({
    operationId: 'contestPledges.list',
    method: 'get',
    path: '/api/v1/contests/:id/pledges',
    summary: "Pledges with what is left of each: a funder sees its own organisation's, organisers all",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    params: IdParams,
    query: Type.Object({ ...PageQuery, funderOrganisationId: Type.Optional(Uuid()) }, { additionalProperties: false }),
    response: Page(Pledge),
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await listPledges(deps.db, user, params.id, query) }),
  }),

  defineOperation({
    operationId: 'contestSubscriptions.create',
    method: 'post',
    path: '/api/v1/contests/:id/subscriptions',
    summary: 'Subscribe (认购) a ranked entry with an amount drawn from one of your pledges; never past what the pledge has left nor past what the entry still needs (422 says how much is left)',
    description:
      'Decided by the funding desk in a batch with the subscriptions arriving at the same time. The subscription and, with an Idempotency-Key, the key\'s answer commit in one transaction: a retry after a crash gets the answer and writes nothing.',
    tag: 'contests',
    access: ['funder'],
    status: 201,
    params: IdParams,
    body: Type.Object({ pledgeId: Uuid(), entryId: Uuid(), amountFen: Fen({ minimum: 1, description: 'Drawn from the pledge, in fen' }) }, { additionalProperties: false }),
    response: Subscribed,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, deps, requestId, idempotencyKey }) => ({ status: 201, body: await subscribe(deps.subscriptions!, user, requestId, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'contestSubscriptions.cancel',
    method: 'post',
    path: '/api/v1/contests/:id/subscriptions/:subscriptionId/cancel',
    summary: "Cancel a subscription while the contest is in funding: its amount goes back to the pledge and the entry needs it again (the funder's organisation, or an organiser)",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    transaction: true,
    params: Type.Object({ id: Uuid(), subscriptionId: Uuid() }, { additionalProperties: false }),
    body: Type.Optional(Reason('subscription is cancelled')),
    response: CancelledSubscription,
    problems: [404, 409],
    handler: async ({ params, body, user, trx, requestId }) => ({ body: await cancelSubscription(trx, user, requestId, params.id, params.subscriptionId, body?.reason ?? null) }),
  }),

  defineOperation({
    operationId: 'contestSubscriptions.list',
    method: 'get',
    path: '/api/v1/contests/:id/subscriptions',
    summary: "Subscriptions: a funder sees its own organisation's, organisers all",
    tag: 'contests',
    access: ['funder', 'organiser', 'admin'],
    params: IdParams,
    query: Type.Object({ ...PageQuery, entryId: Type.Optional(Uuid()), funderOrganisationId: Type.Optional(Uuid()) }, { additionalProperties: false }),
    response: Page(Subscription),
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await listSubscriptions(deps.db, user, params.id, query) }),
  }),

  defineOperation({
    operationId: 'contestResults.get',
    method: 'get',
    path: '/api/v1/contests/:id/results',
    summary: 'Ranking and funding: each ranked entry with who gave what, totals per funder, per track and per kind of support',
    tag: 'contests',
    access: 'authenticated',
    params: IdParams,
    response: ContestResults,
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await contestResults(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'contestResults.export',
    method: 'get',
    path: '/api/v1/contests/:id/results.csv',
    summary: 'Ranking (one row per ranked entry) or funding (one row per funder, kind and entry) as CSV that opens in a spreadsheet with the Chinese intact (UTF-8 with BOM)',
    tag: 'contests',
    access: 'authenticated',
    produces: 'text/csv',
    params: IdParams,
    query: Type.Object(
      { table: Type.Union([Type.Literal('ranking'), Type.Literal('funding')], { default: 'ranking', description: 'ranking: one row per ranked entry; funding: one row per funder, kind and entry' }) },
      { additionalProperties: false },
    ),
    problems: [404],
    handler: async ({ params, query, user, deps, lang }) => {
      const { csv, filename } = await contestResultsCsv(deps.db, user, params.id, query.table, lang);
      return { raw: { contentType: 'text/csv; charset=utf-8', data: csv, filename } };
    },
  }),
];
