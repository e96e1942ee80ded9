import { useState } from 'react';
import { Alert, App, Button, Card, Empty, Form, Input, InputNumber, List, Select, Space, Tag, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs from 'dayjs';
import { answer, api } from '../api/client';
import type { RequestBody } from '../api/types';
import { fmt, zh } from '../i18n';
import { problemText } from '../lib/errors';
import { loadAllOrders, loadOrders, orderProblemText, OrderSummary, showOrderProblem, type Order } from '../lib/orders';
import { hasRole, useMe } from '../session';

// 派单: the dispatcher's queue with each order's ranked candidates; 接单: the assignee answers, checks in and out.

const loadCandidates = (id: string) => answer(api.GET('/api/v1/service-orders/{id}/candidates', { params: { path: { id } } }));
type Candidate = Awaited<ReturnType<typeof loadCandidates>>['items'][number];
type Team = Awaited<ReturnType<typeof loadCandidates>>['teams'][number];
/** To a volunteer (volunteerId) or to a project team (organisationId). */
type Assignee = RequestBody<'/api/v1/service-orders/{id}/dispatch'>;

function CandidateLine({ c }: { c: Candidate }) {
  return (
    <Space wrap size={4}>
      <Tag color={c.rank === 1 ? 'red' : undefined}>{fmt(zh.dispatch.rank, { n: c.rank })}</Tag>
      <Typography.Text strong>{c.name}</Typography.Text>
      <span>{fmt(zh.dispatch.skillMatch, { n: Math.round(c.skillMatch * 100) })}</span>
      {c.sameCommunity && <Tag color="green">{zh.dispatch.sameCommunity}</Tag>}
      {c.available && <Tag color="blue">{zh.dispatch.available}</Tag>}
      <span>{fmt(zh.dispatch.openOrders, { n: c.openOrders })}</span>
      {c.skills.length > 0 && <Typography.Text type="secondary">{c.skills.join('、')}</Typography.Text>}
    </Space>
  );
}

/**
 * The project teams the order may go to: the one running the menu item's project, or, for a need stated in a
 * category, those offering it in the community (one to pick).
 */
function TeamChoice({ teams, busy, onDispatch }: { teams: Team[]; busy: boolean; onDispatch: (organisationId: string) => void }) {
  const [picked, setPicked] = useState<string | undefined>();
  const chosen = teams.length === 1 ? teams[0].organisationId : picked;
  return (
    <div data-testid="team-candidates">
      <Typography.Paragraph strong style={{ margin: '12px 0 4px' }}>
        {zh.dispatch.teams}
      </Typography.Paragraph>
      <Space direction="vertical" style={{ width: '100%' }}>
        {teams.length === 1 ? (
          <Typography.Text data-testid="team-name">{teams[0].name}</Typography.Text>
        ) : (
          <Select
            aria-label={zh.dispatch.pickTeam}
            placeholder={zh.dispatch.pickTeam}
            value={picked}
            onChange={setPicked}
            style={{ width: '100%' }}
            options={teams.map((t) => ({ value: t.organisationId, label: t.name }))}
          />
        )}
        <Button disabled={!chosen} loading={busy} onClick={() => chosen && onDispatch(chosen)} data-testid="take-team">
          {zh.dispatch.takeTeam}
        </Button>
      </Space>
    </div>
  );
}

/**
 * One waiting order: the best candidate to take with one button, or another picked from the ranked list; or the
 * project team instead.
 */
function DispatchCard({ order }: { order: Order }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const candidates = useQuery({ queryKey: ['candidates', order.id], queryFn: () => loadCandidates(order.id) });
  const [other, setOther] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const items = candidates.data?.items ?? [];
  const teams = candidates.data?.teams ?? [];
  const dispatch = async (to: Assignee) => {
    setProblem(null);
    setBusy(true);
    try {
      await answer(api.POST('/api/v1/service-orders/{id}/dispatch', { params: { path: { id: order.id } }, body: to }));
      message.success(zh.dispatch.dispatched);
      await queryClient.invalidateQueries({ queryKey: ['orders'] });
    } catch (err) {
      setProblem(orderProblemText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" data-testid="dispatch-order" style={{ marginBottom: 12 }} extra={<Link to={`/orders/${order.id}`}>{zh.orders.open}</Link>}>
      <OrderSummary order={order} />
      <Typography.Paragraph strong style={{ margin: '8px 0 4px' }}>
        {zh.dispatch.candidates}
      </Typography.Paragraph>
      {candidates.isError && <Typography.Text type="danger">{problemText(candidates.error)}</Typography.Text>}
      {candidates.isSuccess && items.length === 0 && <Typography.Text type="secondary">{zh.dispatch.noCandidates}</Typography.Text>}
      {items[0] && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <CandidateLine c={items[0]} />
          <Button type="primary" loading={busy} onClick={() => void dispatch({ volunteerId: items[0].volunteerId })} data-testid="take-candidate">
            {zh.dispatch.take}
          </Button>
          {items.length > 1 && (
            <Space.Compact style={{ width: '100%' }}>
              <Select
                aria-label={zh.dispatch.pickOther}
                placeholder={zh.dispatch.pickOther}
                value={other}
                onChange={setOther}
                style={{ flex: 1, minWidth: 0 }}
                options={items.slice(1).map((c) => ({ value: c.volunteerId, label: `${fmt(zh.dispatch.rank, { n: c.rank })} ${c.name}（${fmt(zh.dispatch.skillMatch, { n: Math.round(c.skillMatch * 100) })}）` }))}
              />
              <Button disabled={!other} loading={busy} onClick={() => other && void dispatch({ volunteerId: other })}>
                {zh.dispatch.dispatchTo}
              </Button>
            </Space.Compact>
          )}
        </Space>
      )}
      {teams.length > 0 && <TeamChoice teams={teams} busy={busy} onDispatch={(organisationId) => void dispatch({ organisationId })} />}
      {problem && <Alert type="error" showIcon title={problem} style={{ marginTop: 8 }} />}
    </Card>
  );
}

function Queue({ status, title, testId }: { status: 'ordered' | 'escalated'; title: string; testId: string }) {
  const orders = useQuery({ queryKey: ['orders', 'queue', status], queryFn: () => loadAllOrders(status) });
  return (
    <div data-testid={testId}>
      <Typography.Title level={5}>{title}</Typography.Title>
      {orders.isError && <Typography.Text type="danger">{problemText(orders.error)}</Typography.Text>}
      {orders.isSuccess && orders.data.items.length === 0 && <Empty description={zh.dispatch.empty} image={Empty.PRESENTED_IMAGE_SIMPLE} />}
      {orders.data?.items.map((o) => <DispatchCard key={o.id} order={o} />)}
    </div>
  );
}

/** 派单: orders waiting for dispatch, then those escalated after repeated failures. */
export function DispatchPage() {
  return (
    <Card title={zh.dispatch.title}>
      <Queue status="ordered" title={zh.dispatch.waiting} testId="queue-ordered" />
      <Queue status="escalated" title={zh.dispatch.escalated} testId="queue-escalated" />
    </Card>
  );
}

// ---- 接单 ---------------------------------------------------------------------------------------

function useMove(done: string) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  return async (call: () => Promise<unknown>) => {
    await call();
    message.success(done);
    await queryClient.invalidateQueries({ queryKey: ['orders'] });
    await queryClient.invalidateQueries({ queryKey: ['time-bank'] });
  };
}

function Answer({ order }: { order: Order }) {
  const [form] = Form.useForm<{ reason: string }>();
  const [declining, setDeclining] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const accept = useMove(zh.assignments.accepted);
  const decline = useMove(zh.assignments.declined);
  const path = { params: { path: { id: order.id } } };
  return (
    <Form form={form} layout="vertical" onFinish={(v) => decline(() => answer(api.POST('/api/v1/service-orders/{id}/decline', { ...path, body: v }))).catch((err) => setBanner(showOrderProblem(form, err)))}>
      {declining && (
        <Form.Item name="reason" label={zh.assignments.declineReason} rules={[{ required: true, message: zh.common.required }]}>
          <Input maxLength={500} />
        </Form.Item>
      )}
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Space>
        {!declining && (
          <Button type="primary" data-testid="accept" onClick={() => void accept(() => answer(api.POST('/api/v1/service-orders/{id}/accept', path))).catch((err) => setBanner(orderProblemText(err)))}>
            {zh.assignments.accept}
          </Button>
        )}
        {declining ? (
          <Button danger htmlType="submit" data-testid="decline">
            {zh.assignments.decline}
          </Button>
        ) : (
          <Button onClick={() => setDeclining(true)} data-testid="start-decline">
            {zh.assignments.decline}
          </Button>
        )}
      </Space>
    </Form>
  );
}

function CheckIn({ order }: { order: Order }) {
  const [form] = Form.useForm<{ ago: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const move = useMove(zh.assignments.checkedIn);
  const onFinish = (v: { ago: string }) => {
    setBanner(null);
    const at = Number(v.ago) ? dayjs().subtract(Number(v.ago), 'minute').toISOString() : undefined;
    move(() => answer(api.POST('/api/v1/service-orders/{id}/check-in', { params: { path: { id: order.id } }, body: at ? { at } : {} }))).catch((err) =>
      setBanner(showOrderProblem(form, err, (p) => (p === '/body/at' ? ['ago'] : null))),
    );
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ ago: '0' }}>
      <Form.Item name="ago" label={zh.assignments.checkInAt} style={{ maxWidth: 240 }}>
        <Select options={Object.entries(zh.checkInOffsets).map(([value, text]) => ({ value, label: text }))} />
      </Form.Item>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" data-testid="check-in">
        {zh.assignments.checkIn}
      </Button>
    </Form>
  );
}

function CheckOut({ order }: { order: Order }) {
  const [form] = Form.useForm<{ peopleServed: number }>();
  const [banner, setBanner] = useState<string | null>(null);
  const move = useMove(zh.assignments.checkedOut);
  const onFinish = (v: { peopleServed: number }) => {
    setBanner(null);
    move(() => answer(api.POST('/api/v1/service-orders/{id}/check-out', { params: { path: { id: order.id } }, body: { peopleServed: v.peopleServed } }))).catch((err) =>
      setBanner(showOrderProblem(form, err, (p) => (p === '/body/peopleServed' ? ['peopleServed'] : p === '/body/at' ? ['peopleServed'] : null))),
    );
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ peopleServed: 1 }}>
      <Form.Item name="peopleServed" label={zh.orders.peopleServed} rules={[{ required: true, message: zh.common.required }]}>
        <InputNumber min={1} max={10000} precision={0} inputMode="numeric" />
      </Form.Item>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" data-testid="check-out">
        {zh.assignments.checkOut}
      </Button>
    </Form>
  );
}

const OPEN_STATUSES = ['dispatched', 'accepted', 'in_service'] as const;

/**
 * The orders the assignments page sorts: every one still open to answer or serve (each status read whole, so an order
 * accepted weeks ahead is not lost behind newer ones), and the newest page for those done; newest first.
 */
async function loadAssigned(): Promise<{ items: Order[] }> {
  const [open, recent] = await Promise.all([Promise.all(OPEN_STATUSES.map(loadAllOrders)), loadOrders()]);
  const byId = new Map<string, Order>();
  for (const o of [...open.flatMap((list) => list.items), ...recent.items]) if (!byId.has(o.id)) byId.set(o.id, o);
  return { items: [...byId.values()].sort((a, b) => b.orderedAt.localeCompare(a.orderedAt)) };
}

/** 接单: orders dispatched to me (or my organisation's team) to answer, and those I accepted to serve. */
export function AssignmentsPage() {
  const me = useMe();
  const orders = useQuery({ queryKey: ['orders', 'assigned'], queryFn: loadAssigned });
  const items = orders.data?.items ?? [];
  const worker = hasRole(me, 'applicant', 'dispatcher', 'officer', 'admin');
  // The API decides; these are the orders whose next step is mine to take.
  const toAnswer = (o: Order) =>
    o.status === 'dispatched' &&
    !!o.assignee &&
    ((o.assignee.organisationId !== null && o.assignee.organisationId === me.organisation?.id && hasRole(me, 'applicant')) || (o.assignee.kind === 'volunteer' && o.assignee.organisationId === null && !worker));
  const toServe = (o: Order) => (o.status === 'accepted' || o.status === 'in_service') && o.acceptedBy === me.id;
  const open = items.filter((o) => toAnswer(o) || toServe(o));
  const done = items.filter((o) => o.acceptedBy === me.id && !toServe(o));
  return (
    <Card title={zh.assignments.title}>
      {orders.isError && <Typography.Text type="danger">{problemText(orders.error)}</Typography.Text>}
      <List
        loading={orders.isPending}
        dataSource={open}
        locale={{ emptyText: <Empty description={zh.assignments.empty} /> }}
        data-testid="assignments"
        renderItem={(o) => (
          <List.Item data-testid="assignment">
            <Space direction="vertical" style={{ width: '100%' }}>
              <OrderSummary order={o} />
              <Link to={`/orders/${o.id}`}>{zh.orders.open}</Link>
              {o.status === 'dispatched' && <Answer order={o} />}
              {o.status === 'accepted' && <CheckIn order={o} />}
              {o.status === 'in_service' && <CheckOut order={o} />}
            </Space>
          </List.Item>
        )}
      />
      {done.length > 0 && (
        <>
          <Typography.Title level={5}>{zh.assignments.done}</Typography.Title>
          <List
            dataSource={done}
            data-testid="assignments-done"
            renderItem={(o) => (
              <List.Item actions={[<Link key="open" to={`/orders/${o.id}`}>{zh.orders.open}</Link>]}>
                <OrderSummary order={o} />
              </List.Item>
            )}
          />
        </>
      )}
    </Card>
  );
}
