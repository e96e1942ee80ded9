import { defineOperation } from '../operation';
import { Count, IdParams, Instant, Name, Nullable, Page, PageQuery, Text, Type, Uuid } from '../schema';
import { ORDER_STATUSES } from '../../workflows/service-order/messages';
import {
  acceptServiceOrder, addMenuItem, cancelServiceOrder, checkInServiceOrder, checkOutServiceOrder, communityMenu, declineServiceOrder, dispatchServiceOrder, getServiceOrder,
  listMenu, listServiceOrders, orderCandidates, placeServiceOrder, projectServiceFigures, rateServiceOrder, regionDashboard,
} from './service';
import { createResident, registerResident } from './residents';

const OrderStatus = Type.Union(ORDER_STATUSES.map((s) => Type.Literal(s)), { description: 'ordered → dispatched → accepted → in_service → served → rated | unrated; escalated after N failed dispatches; cancelled' });
const Mobile = Type.String({ pattern: '^1[3-9][0-9]{9}$', description: 'A mainland mobile number, 11 digits' });
const Category = Type.String({ minLength: 1, maxLength: 60, pattern: '^[^\\u0000-\\u001f]+$' });
const Password = Type.String({ minLength: 10, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' });

const Order = Type.Object({
  id: Uuid(),
  status: OrderStatus,
  menuItemId: Nullable(Uuid()),
  projectId: Nullable(Uuid()),
  category: Type.String(),
  communityId: Uuid(),
  residentId: Nullable(Uuid()),
  residentName: Type.String({ description: 'Masked (张*) unless the caller sees the contact whole' }),
  phone: Type.String({ description: 'Whole only to the community dispatcher and the accepted assignee while the order is open; else 138****5678' }),
  address: Type.String({ description: 'Whole under the same rule as the phone; else its first six characters and ****' }),
  contactMasked: Type.Boolean(),
  windowFrom: Instant(),
  windowTo: Instant(),
  need: Type.String(),
  orderedBy: Uuid(),
  orderedAt: Instant(),
  failedDispatches: Type.Integer(),
  assignee: Nullable(Type.Object({ kind: Type.Union([Type.Literal('volunteer'), Type.Literal('team')]), volunteerId: Nullable(Uuid()), organisationId: Nullable(Uuid()) }, { additionalProperties: false })),
  acceptedBy: Nullable(Uuid()),
  acceptedAt: Nullable(Instant()),
  checkedInAt: Nullable(Instant()),
  checkedOutAt: Nullable(Instant()),
  peopleServed: Nullable(Type.Integer()),
  hours: Nullable(Type.Number()),
  rating: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
  ratingComment: Nullable(Type.String()),
  ratedAt: Nullable(Instant()),
  closedAt: Nullable(Instant()),
}, { additionalProperties: false });

const Dispatch = Type.Object({
  attempt: Type.Integer(), kind: Type.Union([Type.Literal('volunteer'), Type.Literal('team')]), volunteerId: Nullable(Uuid()), organisationId: Nullable(Uuid()), dispatchedBy: Uuid(),
  dispatchedAt: Instant(), dueAt: Instant(), outcome: Type.String({ description: 'pending | accepted | declined | timed_out | cancelled' }), reason: Nullable(Type.String()), outcomeAt: Nullable(Instant()),
}, { additionalProperties: false });

const MenuItem = Type.Object({
  id: Uuid(), projectId: Uuid(), name: Type.String(), category: Type.String(), targetGroups: Type.Array(Type.String()), communityIds: Type.Array(Uuid()), capacityPerWeek: Type.Integer(), skills: Type.Array(Type.String()), createdAt: Instant(),
}, { additionalProperties: false });

const Resident = Type.Object({ id: Uuid(), login: Type.String(), displayName: Type.String(), communityId: Uuid(), createdAt: Instant() }, { additionalProperties: false });
const ResidentBody = Type.Object({ mobile: Mobile, displayName: Name(), communityId: Uuid(), password: Password }, { additionalProperties: false });

const Share = Nullable(Type.Number({ minimum: 0 }));
const MOVE_PROBLEMS = [404, 409, 422, 503] as const;

export const operations = [
  defineOperation({
    operationId: 'residents.create',
    method: 'post',
    path: '/api/v1/residents',
    summary: 'A community worker opens an account for a resident (signs in with the mobile number)',
    tag: 'service-orders',
    access: ['dispatcher', 'officer'],
    status: 201,
    transaction: true,
    body: ResidentBody,
    response: Resident,
    problems: [409, 422],
    handler: async ({ body, user, trx, requestId }) => ({ status: 201, body: await createResident(trx, user, body, requestId) }),
  }),

  defineOperation({
    operationId: 'residents.register',
    method: 'post',
    path: '/api/v1/residents/register',
    summary: 'A resident registers themself with a mobile number and a password (throttled per number and overall)',
    tag: 'service-orders',
    access: 'public',
    status: 201,
    transaction: true,
    body: ResidentBody,
    response: Resident,
    problems: [409, 422, 429],
    handler: async ({ body, trx, requestId }) => ({ status: 201, body: await registerResident(trx, body, requestId) }),
  }),

  defineOperation({
    operationId: 'serviceMenu.create',
    method: 'post',
    path: '/api/v1/projects/:id/service-menu',
    summary: 'A project in delivery publishes a service it offers (服务清单): category, target groups, communities, weekly capacity, skills',
    tag: 'service-orders',
    access: ['applicant'],
    status: 201,
    transaction: true,
    params: IdParams,
    body: Type.Object({
      name: Name(), category: Category, targetGroups: Type.Array(Name(), { maxItems: 20 }), communityIds: Type.Array(Uuid(), { minItems: 1, maxItems: 100 }),
      capacityPerWeek: Type.Integer({ minimum: 1, maximum: 10_000 }), skills: Type.Array(Name(), { maxItems: 20 }),
    }, { additionalProperties: false }),
    response: MenuItem,
    problems: [404, 409, 422],
    handler: async ({ params, body, user, trx }) => ({ status: 201, body: await addMenuItem(trx, user, params.id, body) }),
  }),

  defineOperation({
    operationId: 'serviceMenu.list',
    method: 'get',
    path: '/api/v1/projects/:id/service-menu',
    summary: "A project's service menu",
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object({ items: Type.Array(MenuItem) }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await listMenu(deps.db, user, params.id) }),
  }),

  defineOperation({
    operationId: 'serviceMenu.community',
    method: 'get',
    path: '/api/v1/regions/:id/service-menu',
    summary: 'The services a community can order, from every project delivering there',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object({ items: Type.Array(MenuItem) }, { additionalProperties: false }),
    handler: async ({ params, deps }) => ({ body: await communityMenu(deps.db, params.id) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.place',
    method: 'post',
    path: '/api/v1/service-orders',
    summary: '点单: a resident orders a service from the menu or states a need in a category; a dispatcher or officer may order on a resident\'s behalf',
    tag: 'service-orders',
    access: ['resident', 'dispatcher', 'officer'],
    status: 201,
    body: Type.Object({
      menuItemId: Type.Optional(Nullable(Uuid())), category: Type.Optional(Category), communityId: Uuid(), residentId: Type.Optional(Nullable(Uuid())), residentName: Type.Optional(Name()),
      phone: Mobile, address: Text(200, { minLength: 1 }), windowFrom: Instant(), windowTo: Instant(), need: Type.Optional(Text(2000)),
    }, { additionalProperties: false }),
    response: Order,
    problems: [409, 422, 503],
    handler: async ({ body, user, deps, idempotencyKey }) => ({ status: 201, body: await placeServiceOrder(deps, user, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.list',
    method: 'get',
    path: '/api/v1/service-orders',
    summary: "Orders you may see, newest first: a region's for its dispatchers and officers, your own otherwise (contacts masked by the same rule as one order)",
    tag: 'service-orders',
    access: 'authenticated',
    query: Type.Object({ ...PageQuery, status: Type.Optional(OrderStatus), projectId: Type.Optional(Uuid()) }, { additionalProperties: false }),
    response: Page(Order),
    handler: async ({ query, user, deps }) => ({ body: await listServiceOrders(deps, user, query) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.get',
    method: 'get',
    path: '/api/v1/service-orders/:id',
    summary: 'One order with every dispatch attempt and how it ended',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    response: Type.Composite([Order, Type.Object({ dispatches: Type.Array(Dispatch) })], { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await getServiceOrder(deps, user, params.id) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.candidates',
    method: 'get',
    path: '/api/v1/service-orders/:id/candidates',
    summary: 'Candidates for dispatch: volunteers ranked by skill match, same community first, declared availability, current load; and the project teams the order may go to',
    tag: 'service-orders',
    access: ['dispatcher', 'officer'],
    params: IdParams,
    response: Type.Object({
      items: Type.Array(Type.Object({
        rank: Type.Integer(), volunteerId: Uuid(), name: Type.String(), skills: Type.Array(Type.String()), skillMatch: Type.Number(), sameCommunity: Type.Boolean(), available: Type.Boolean(), openOrders: Type.Integer(),
      }, { additionalProperties: false })),
      teams: Type.Array(Type.Object({ organisationId: Uuid(), name: Type.String() }, { additionalProperties: false }), {
        maxItems: 10,
        description: "Project teams (dispatch with organisationId): for an order from the menu, the organisation running the item's project while it delivers; for a need stated in a category, the organisations whose delivering projects offer that category in the order's community, by name, at most 10",
      }),
    }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await orderCandidates(deps, user, params.id) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.dispatch',
    method: 'post',
    path: '/api/v1/service-orders/:id/dispatch',
    summary: '派单: assign the order to a volunteer or a project team; they have the programme\'s deadline to accept',
    tag: 'service-orders',
    access: ['dispatcher', 'officer'],
    params: IdParams,
    body: Type.Object({ volunteerId: Type.Optional(Uuid()), organisationId: Type.Optional(Uuid()) }, { additionalProperties: false, minProperties: 1 }),
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await dispatchServiceOrder(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.accept',
    method: 'post',
    path: '/api/v1/service-orders/:id/accept',
    summary: '接单: the assignee accepts the order',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, user, deps, idempotencyKey }) => ({ body: await acceptServiceOrder(deps, user, params.id, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.decline',
    method: 'post',
    path: '/api/v1/service-orders/:id/decline',
    summary: 'The assignee declines: the order returns to dispatch, or escalates after N failed dispatches',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    body: Type.Object({ reason: Text(500, { minLength: 1 }) }, { additionalProperties: false }),
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await declineServiceOrder(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.checkIn',
    method: 'post',
    path: '/api/v1/service-orders/:id/check-in',
    summary: 'The one who accepted checks in at the resident (now, or the time given)',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    body: Type.Object({ at: Type.Optional(Instant()) }, { additionalProperties: false }),
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await checkInServiceOrder(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.checkOut',
    method: 'post',
    path: '/api/v1/service-orders/:id/check-out',
    summary: 'Check out with the people served: the service record is made and the volunteer\'s time bank credited once',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    body: Type.Object({ at: Type.Optional(Instant()), peopleServed: Type.Integer({ minimum: 1, maximum: 10_000 }) }, { additionalProperties: false }),
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await checkOutServiceOrder(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.rate',
    method: 'post',
    path: '/api/v1/service-orders/:id/rating',
    summary: '评单: the resident (or the worker who ordered for them) rates 1-5 within the window; 2 or less opens a follow-up and counts as a complaint',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    body: Type.Object({ rating: Type.Integer({ minimum: 1, maximum: 5 }), comment: Type.Optional(Text(1000)) }, { additionalProperties: false }),
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await rateServiceOrder(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.cancel',
    method: 'post',
    path: '/api/v1/service-orders/:id/cancel',
    summary: 'Cancel an order before service starts',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    body: Type.Object({ reason: Text(500, { minLength: 1 }) }, { additionalProperties: false }),
    response: Order,
    problems: MOVE_PROBLEMS,
    handler: async ({ params, body, user, deps, idempotencyKey }) => ({ body: await cancelServiceOrder(deps, user, params.id, body, idempotencyKey) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.dashboard',
    method: 'get',
    path: '/api/v1/regions/:id/service-dashboard',
    summary: "A region's service orders: by status, median time to acceptance, completion and rating rates, time-bank points earned and redeemed",
    tag: 'service-orders',
    access: ['officer', 'dispatcher', 'admin'],
    params: IdParams,
    response: Type.Object({
      regionId: Uuid(), ordersByStatus: Type.Record(Type.String(), Type.Integer()), orders: Type.Integer(), accepted: Type.Integer(), medianSecondsToAccept: Nullable(Type.Integer()),
      completed: Type.Integer(), completionRate: Share, rated: Type.Integer(), unrated: Type.Integer(), ratingRate: Share,
      timeBank: Type.Object({ volunteers: Type.Integer(), hours: Type.Number(), earnedPoints: Type.Integer(), redeemedPoints: Type.Integer() }, { additionalProperties: false }),
    }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await regionDashboard(deps, user, params.id) }),
  }),

  defineOperation({
    operationId: 'serviceOrders.figures',
    method: 'get',
    path: '/api/v1/projects/:id/service-figures',
    summary: 'Drawn figures for the evaluation: satisfaction (share of ratings of 4 or 5, with their count) and coverage (residents and people served against the proposal\'s target)',
    tag: 'service-orders',
    access: 'authenticated',
    params: IdParams,
    response: Type.Object({
      projectId: Uuid(),
      satisfaction: Type.Object({ ratings: Count(), satisfied: Count(), share: Share }, { additionalProperties: false }),
      coverage: Type.Object({ residents: Count(), peopleServed: Count(), target: Nullable(Type.Number()), share: Share }, { additionalProperties: false }),
    }, { additionalProperties: false }),
    problems: [404],
    handler: async ({ params, user, deps }) => ({ body: await projectServiceFigures(deps, user, params.id) }),
  }),
];
