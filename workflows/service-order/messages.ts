import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { DEFAULT_SERVICE_ORDER_RULES, type ServiceOrderRules } from '../rules/programme-rules';

// The messages of the serviceOrder workflow (id `service-order-<orderId>`), defined once beside it.

export const ORDER_STATUSES = ['ordered', 'dispatched', 'accepted', 'in_service', 'served', 'escalated', 'rated', 'unrated', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const CLOSED_STATUSES: readonly OrderStatus[] = ['rated', 'unrated', 'cancelled'];

/** The programme's terms for orders (its rules' `serviceOrders` section over the defaults), frozen into each order when it is placed. */
export type OrderTerms = ServiceOrderRules;
export const DEFAULT_ORDER_TERMS: OrderTerms = DEFAULT_SERVICE_ORDER_RULES;

/** The order's row as the API checked it; the workflow's first activity writes it. */
export interface OrderDraft {
  menuItemId: string | null;
  projectId: string | null;
  category: string;
  communityId: string;
  residentId: string | null;
  residentName: string;
  phone: string;
  address: string;
  windowFrom: string;
  windowTo: string;
  need: string;
  orderedBy: string;
}

export interface ServiceOrderInput {
  orderId: string;
  /** The community's region path: its dispatchers get the dispatch tasks. */
  regionPath: string;
  /** The street's path: its officers get the escalations. */
  streetPath: string;
  /** The organisation running the project (its applicants are the project's lead), for follow-ups. */
  projectOrganisationId: string | null;
  terms: OrderTerms;
  /** The programme's time zone, for the dates its refusals show (absent in orders placed before: Asia/Shanghai). */
  timeZone?: string;
}

export interface Assignment {
  attempt: number;
  kind: 'volunteer' | 'team';
  volunteerId: string | null;
  organisationId: string | null;
  /** The volunteer's own account, who accepts; null = the applicants of the organisation accept. */
  userId: string | null;
  dueAt: string;
}

export interface OrderState {
  status: OrderStatus;
  placedAt: string | null;
  attempts: number;
  failedDispatches: number;
  current: Assignment | null;
  acceptedBy: string | null;
  acceptedAt: string | null;
  checkedInAt: string | null;
  checkedOutAt: string | null;
  ratingDueAt: string | null;
  rating: number | null;
  /** People who may rate: the resident's account, or else the worker who ordered. */
  raterId: string | null;
  projectId: string | null;
}

export interface OrderView extends OrderState {
  orderId: string;
}

export interface Actor {
  actorId: string;
}

export const getOrder = defineQuery<OrderView>('getOrder');

export const placeOrder = defineUpdate<OrderView, [Actor & { draft: OrderDraft }]>('placeOrder');
export const dispatchOrder = defineUpdate<OrderView, [Actor & { kind: 'volunteer' | 'team'; volunteerId: string | null; organisationId: string | null; userId: string | null }]>('dispatchOrder');
export const acceptOrder = defineUpdate<OrderView, [Actor & { organisationId: string | null }]>('acceptOrder');
export const declineOrder = defineUpdate<OrderView, [Actor & { organisationId: string | null; reason: string }]>('declineOrder');
export const checkIn = defineUpdate<OrderView, [Actor & { at?: string }]>('checkIn');
export const checkOut = defineUpdate<OrderView, [Actor & { at?: string; peopleServed: number }]>('checkOut');
export const rateOrder = defineUpdate<OrderView, [Actor & { rating: number; comment: string }]>('rateOrder');
export const cancelOrder = defineUpdate<OrderView, [Actor & { reason: string }]>('cancelOrder');

/** Which status each move may be made from: the one table the validators and the API read. */
export const ORDER_MOVES = {
  placeOrder: [],
  dispatchOrder: ['ordered', 'escalated'],
  acceptOrder: ['dispatched'],
  declineOrder: ['dispatched'],
  checkIn: ['accepted'],
  checkOut: ['in_service'],
  rateOrder: ['served'],
  cancelOrder: ['ordered', 'dispatched', 'escalated', 'accepted'],
} as const satisfies Record<string, readonly OrderStatus[]>;
export type OrderMove = keyof typeof ORDER_MOVES;

export function orderMoveAllowed(status: OrderStatus, move: OrderMove): boolean {
  return (ORDER_MOVES[move] as readonly OrderStatus[]).includes(status);
}
