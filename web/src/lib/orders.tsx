import { Space, Tag, Timeline, Typography } from 'antd';
import dayjs from 'dayjs';
import { answer, api, ApiError } from '../api/client';
import { fmt, label, zh } from '../i18n';
import type { FormInstance } from 'antd';
import { fieldPath, problemText, showProblem } from './errors';
import { allPages, PAGE_MOST } from './all-pages';

// What the service-order pages share: the order's shape (from the generated client), its status tag, its
// preferred window, its history and the sentence for a refused step.

export const loadOrder = (id: string) => answer(api.GET('/api/v1/service-orders/{id}', { params: { path: { id } } }));
export type OrderDetail = Awaited<ReturnType<typeof loadOrder>>;
export type OrderStatus = OrderDetail['status'];
const listOrders = (query: { limit: number; status?: OrderStatus; cursor?: string }) => answer(api.GET('/api/v1/service-orders', { params: { query } }));
export type Order = Awaited<ReturnType<typeof listOrders>>['items'][number];
/** The newest orders I may see (one page): my own orders, and those done. */
export const loadOrders = () => listOrders({ limit: PAGE_MOST });
/** Every order in a status: a queue to work through, which a first page could cut. */
export const loadAllOrders = (status: OrderStatus) => allPages((cursor) => listOrders({ limit: PAGE_MOST, status, ...(cursor ? { cursor } : {}) }));

const STATUS_COLOURS: Record<string, string> = {
  ordered: 'orange', dispatched: 'gold', accepted: 'blue', in_service: 'processing', served: 'cyan', escalated: 'red', rated: 'green', unrated: 'default', cancelled: 'default',
};

export function OrderStatusTag({ status }: { status: string }) {
  return (
    <Tag color={STATUS_COLOURS[status]} data-testid="order-status">
      {label(zh.orderStatus, status)}
    </Tag>
  );
}

const at = (iso: string | null | undefined) => (iso ? dayjs(iso).format('YYYY-MM-DD HH:mm') : zh.common.none);

/** "2026-12-03 08:00-12:00" (the end's day too when it differs). */
export function windowText(o: Pick<Order, 'windowFrom' | 'windowTo'>): string {
  const from = dayjs(o.windowFrom);
  const to = dayjs(o.windowTo);
  return `${from.format('YYYY-MM-DD HH:mm')}-${to.format(to.isSame(from, 'day') ? 'HH:mm' : 'YYYY-MM-DD HH:mm')}`;
}

/** One order in a list: what, when, where, its state. */
export function OrderSummary({ order }: { order: Order }) {
  return (
    <Space direction="vertical" size={0} style={{ width: '100%' }}>
      <Space wrap size={4}>
        <Typography.Text strong>{order.category}</Typography.Text>
        <OrderStatusTag status={order.status} />
        {order.failedDispatches > 0 && <Tag color="red">{fmt(zh.orders.failedDispatches, { n: order.failedDispatches })}</Tag>}
      </Space>
      <Typography.Text type="secondary">
        {zh.orders.window}：{windowText(order)}
      </Typography.Text>
      <Typography.Text type="secondary">
        {order.residentName} {order.phone} · {order.address}
      </Typography.Text>
      {order.need ? <Typography.Text>{order.need}</Typography.Text> : null}
    </Space>
  );
}

/** Everything that happened to the order, oldest first, from its timestamps and its dispatch attempts. */
export function OrderHistory({ order }: { order: OrderDetail }) {
  const lines: { at: string; text: string; colour?: string }[] = [{ at: order.orderedAt, text: zh.orders.evOrdered }];
  for (const d of order.dispatches) {
    lines.push({ at: d.dispatchedAt, text: `${fmt(zh.orders.evDispatched, { n: d.attempt, to: d.kind === 'team' ? zh.orders.evTeam : zh.orders.evVolunteer })}（${fmt(zh.orders.dueBy, { at: at(d.dueAt) })}）` });
    if (d.outcome !== 'pending' && d.outcomeAt) {
      lines.push({ at: d.outcomeAt, text: label(zh.dispatchOutcome, d.outcome) + (d.reason ? `，${fmt(zh.orders.reason, { reason: d.reason })}` : ''), colour: d.outcome === 'accepted' ? 'green' : 'red' });
    }
  }
  if (order.checkedInAt) lines.push({ at: order.checkedInAt, text: zh.orders.evCheckedIn });
  if (order.checkedOutAt) lines.push({ at: order.checkedOutAt, text: fmt(zh.orders.evCheckedOut, { people: order.peopleServed ?? 0, hours: order.hours ?? 0 }), colour: 'green' });
  if (order.ratedAt) lines.push({ at: order.ratedAt, text: fmt(zh.orders.evRated, { n: order.rating ?? 0 }) + (order.ratingComment ? `：${order.ratingComment}` : ''), colour: 'green' });
  if (order.closedAt && !order.ratedAt) lines.push({ at: order.closedAt, text: `${zh.orders.evClosed}（${label(zh.orderStatus, order.status)}）`, colour: 'gray' });
  lines.sort((a, b) => a.at.localeCompare(b.at));
  return (
    <Timeline
      data-testid="order-history"
      items={lines.map((l) => ({ color: l.colour, content: `${at(l.at)} ${l.text}` }))}
    />
  );
}

/** A refused step in Chinese; a 409 names the order's status rather than a project stage. */
export function orderProblemText(err: unknown): string {
  if (err instanceof ApiError && err.status === 409 && err.problem.currentStage) return fmt(zh.errors.conflict, { stage: label(zh.orderStatus, err.problem.currentStage) });
  return problemText(err);
}

/** showProblem for an order's form: field errors next to their fields, a wrong status named as the order's. */
export function showOrderProblem(form: FormInstance, err: unknown, toField: (pointer: string) => (string | number)[] | null = (p) => fieldPath(p)): string | null {
  if (err instanceof ApiError && err.status === 409) return orderProblemText(err);
  return showProblem(form, err, toField);
}
