import { defineOperation } from '../operation';
import { IdParams, Instant, Nullable, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { myTimeBank, redeemPoints, regionTimeBank, volunteerTimeBank } from './service';

const Entry = Type.Object({
  id: Type.String(), cause: Type.Union([Type.Literal('service_record'), Type.Literal('service_order'), Type.Literal('redemption')]), hours: Type.Number(), points: Type.Integer({ description: 'Negative for a redemption' }),
  serviceRecordId: Nullable(Uuid()), orderId: Nullable(Uuid()), resourceId: Nullable(Uuid()), note: Nullable(Type.String()), at: Instant(),
}, { additionalProperties: false });

const Ledger = Type.Object({
  volunteerId: Uuid(), hours: Type.Number(), earnedPoints: Type.Integer(), redeemedPoints: Type.Integer(), balance: Type.Integer({ minimum: 0 }), history: Page(Entry),
}, { additionalProperties: false });

const Query = Type.Object({ ...PageQuery }, { additionalProperties: false });

export const operations = [
  defineOperation({
    operationId: 'timeBank.mine',
    method: 'get',
    path: '/api/v1/me/time-bank',
    summary: 'Your hours, points and history, if your account is a volunteer\'s',
    tag: 'time-bank',
    access: 'authenticated',
    query: Query,
    response: Ledger,
    problems: [404],
    handler: async ({ query, user, deps }) => ({ body: await myTimeBank(deps, user, query) }),
  }),

  defineOperation({
    operationId: 'timeBank.get',
    method: 'get',
    path: '/api/v1/volunteers/:id/time-bank',
    summary: "A volunteer's ledger: every earning and redemption with its cause; the balance is their sum",
    tag: 'time-bank',
    access: 'authenticated',
    params: IdParams,
    query: Query,
    response: Ledger,
    problems: [404],
    handler: async ({ params, query, user, deps }) => ({ body: await volunteerTimeBank(deps, user, params.id, query) }),
  }),

  defineOperation({
    operationId: 'timeBank.redeem',
    method: 'post',
    path: '/api/v1/volunteers/:id/redemptions',
    summary: "兑换: spend points on an offer of a region's resource list; never below zero, even under concurrent redemptions",
    tag: 'time-bank',
    access: 'authenticated',
    status: 201,
    transaction: true,
    params: IdParams,
    body: Type.Object({ points: Type.Integer({ minimum: 1, maximum: 1_000_000 }), resourceId: Uuid(), note: Type.Optional(Text(500)) }, { additionalProperties: false }),
    response: Type.Object({ entryId: Type.String(), volunteerId: Uuid(), points: Type.Integer(), balance: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
    problems: [404, 422],
    handler: async ({ params, body, user, deps, trx, requestId }) => ({ status: 201, body: await redeemPoints({ ...deps, db: trx }, user, params.id, body, requestId) }),
  }),

  defineOperation({
    operationId: 'timeBank.region',
    method: 'get',
    path: '/api/v1/regions/:id/time-bank',
    summary: "A region's time-bank totals: volunteers, hours, points earned and redeemed",
    tag: 'time-bank',
    access: ['officer', 'admin'],
    params: IdParams,
    response: Type.Object({ regionId: Uuid(), volunteers: Type.Integer(), hours: Type.Number(), earnedPoints: Type.Integer(), redeemedPoints: Type.Integer() }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await regionTimeBank(deps, user, params.id) }),
  }),
];
