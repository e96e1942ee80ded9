import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Empty, Form, Input, List, Rate, Select, Space, Tabs, Tag, TreeSelect, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api } from '../api/client';
import { fmt, label, zh } from '../i18n';
import { problemText } from '../lib/errors';
import { loadOrder, loadOrders, OrderHistory, OrderStatusTag, showOrderProblem, OrderSummary, windowText, type OrderDetail } from '../lib/orders';
import { hasRole, useMe } from '../session';
import { regionPicker, regionTree, useRegions } from './library';

// 服务点单 (the region's service menu and the order form) and 我的订单 (each order's state and history, 评单).

const loadMenu = (communityId: string) => answer(api.GET('/api/v1/regions/{id}/service-menu', { params: { path: { id: communityId } } }));
type MenuItem = Awaited<ReturnType<typeof loadMenu>>['items'][number];

const PERIODS: Record<string, [number, number]> = { morning: [8, 12], afternoon: [14, 18], evening: [18, 21] };

interface OrderValues {
  communityId: string;
  menuItemId: string;
  day: Dayjs;
  period: string;
  residentName?: string;
  phone: string;
  address: string;
  need?: string;
}

/** Problem pointers of the order onto the form: the window's two ends are the day and the period. */
function orderField(pointer: string): (string | number)[] | null {
  if (pointer === '/body/windowFrom' || pointer === '/body/windowTo') return ['period'];
  if (pointer === '/body/category') return ['menuItemId'];
  const m = pointer.match(/^\/body\/(communityId|menuItemId|residentName|phone|address|need)$/);
  return m ? [m[1]] : null;
}

function OrderForm({ onPlaced }: { onPlaced: () => void }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const worker = hasRole(me, 'dispatcher', 'officer');
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const [form] = Form.useForm<OrderValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const communityId = Form.useWatch('communityId', form) ?? (me.region?.level === 'community' ? me.region.id : undefined);
  const menu = useQuery({ queryKey: ['service-menu', communityId], enabled: Boolean(communityId), queryFn: () => loadMenu(communityId!) });
  const items = menu.data?.items ?? [];
  const picked = Form.useWatch('menuItemId', form);
  const onFinish = async (v: OrderValues) => {
    setBanner(null);
    setBusy(true);
    const [from, to] = PERIODS[v.period];
    try {
      await answer(
        api.POST('/api/v1/service-orders', {
          body: {
            communityId: v.communityId,
            menuItemId: v.menuItemId,
            phone: v.phone,
            address: v.address,
            windowFrom: v.day.hour(from).minute(0).second(0).millisecond(0).toISOString(),
            windowTo: v.day.hour(to).minute(0).second(0).millisecond(0).toISOString(),
            ...(v.need ? { need: v.need } : {}),
            ...(worker && v.residentName ? { residentName: v.residentName } : {}),
          },
        }),
      );
      message.success(zh.orders.placed);
      form.resetFields(['menuItemId', 'need']);
      await queryClient.invalidateQueries({ queryKey: ['orders'] });
      onPlaced();
    } catch (err) {
      setBanner(showOrderProblem(form, err, orderField));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        initialValues={{ communityId: me.region?.level === 'community' ? me.region.id : undefined, day: dayjs().add(1, 'day'), period: 'morning', residentName: worker ? undefined : me.displayName }}
        style={{ maxWidth: 560 }}
        data-testid="order-form"
      >
        <Form.Item name="communityId" label={zh.orders.community} rules={[{ required: true, message: zh.common.required }]}>
          <TreeSelect {...regionPicker(tree)} loading={regions.isPending} onChange={() => form.setFieldValue('menuItemId', undefined)} />
        </Form.Item>
        <Form.Item label={zh.orders.menuTitle}>
          {menu.isError ? (
            <Typography.Text type="danger">{problemText(menu.error)}</Typography.Text>
          ) : (
            <List<MenuItem>
              size="small"
              bordered
              loading={menu.isPending && Boolean(communityId)}
              dataSource={items}
              locale={{ emptyText: <Empty description={zh.orders.noMenu} /> }}
              data-testid="service-menu"
              renderItem={(m) => (
                <List.Item
                  data-testid="menu-item"
                  style={picked === m.id ? { background: '#fff1f0' } : undefined}
                  actions={[
                    <Button key="pick" size="small" type={picked === m.id ? 'primary' : 'default'} onClick={() => form.setFieldValue('menuItemId', m.id)}>
                      {zh.orders.orderThis}
                    </Button>,
                  ]}
                >
                  <List.Item.Meta
                    title={m.name}
                    description={
                      <Space wrap size={4}>
                        <Tag>{m.category}</Tag>
                        {m.targetGroups.map((g) => (
                          <Tag key={g}>{label(zh.targetGroups, g) === zh.common.none ? g : label(zh.targetGroups, g)}</Tag>
                        ))}
                        <span>{fmt(zh.orders.capacity, { n: m.capacityPerWeek })}</span>
                      </Space>
                    }
                  />
                </List.Item>
              )}
            />
          )}
        </Form.Item>
        <Form.Item name="menuItemId" label={zh.orders.service} rules={[{ required: true, message: zh.orders.pickService }]}>
          <Select options={items.map((m) => ({ value: m.id, label: m.name }))} placeholder={zh.orders.pickService} />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="day" label={zh.orders.day} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker allowClear={false} disabledDate={(d) => d.isBefore(dayjs(), 'day')} inputReadOnly />
          </Form.Item>
          <Form.Item name="period" label={zh.orders.period} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 180 }}>
            <Select options={Object.entries(zh.orderPeriods).map(([value, text]) => ({ value, label: text }))} />
          </Form.Item>
        </Space>
        {worker && (
          <Form.Item name="residentName" label={zh.orders.residentName} rules={[{ required: true, message: zh.common.required }]}>
            <Input maxLength={100} />
          </Form.Item>
        )}
        <Form.Item name="phone" label={zh.orders.phone} rules={[{ required: true, message: zh.common.required }]}>
          <Input inputMode="tel" maxLength={11} />
        </Form.Item>
        <Form.Item name="address" label={zh.orders.address} rules={[{ required: true, message: zh.common.required }]}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="need" label={zh.orders.need}>
          <Input.TextArea maxLength={2000} rows={2} />
        </Form.Item>
        {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
        <Button type="primary" htmlType="submit" loading={busy} block data-testid="place-order">
          {zh.orders.submit}
        </Button>
      </Form>
    </Space>
  );
}

export function MyOrders() {
  const orders = useQuery({ queryKey: ['orders', 'mine'], queryFn: () => loadOrders() });
  if (orders.isError) return <Typography.Text type="danger">{problemText(orders.error)}</Typography.Text>;
  return (
    <List
      loading={orders.isPending}
      dataSource={orders.data?.items ?? []}
      locale={{ emptyText: <Empty description={zh.orders.empty} /> }}
      data-testid="my-orders"
      renderItem={(o) => (
        <List.Item data-testid="order" actions={[<Link key="open" to={`/orders/${o.id}`}>{zh.orders.open}</Link>]}>
          <OrderSummary order={o} />
        </List.Item>
      )}
    />
  );
}

/** 服务点单: the menu and the order form, and my orders beside them. */
export default function OrdersPage() {
  const [search] = useSearchParams();
  const [tab, setTab] = useState(search.get('tab') === 'mine' ? 'mine' : 'order');
  return (
    <Card title={zh.serviceNav.order}>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        destroyOnHidden
        items={[
          { key: 'order', label: zh.orders.orderTitle, children: <OrderForm onPlaced={() => setTab('mine')} /> },
          { key: 'mine', label: zh.orders.myOrders, children: <MyOrders /> },
        ]}
      />
    </Card>
  );
}

function RatingForm({ order }: { order: OrderDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ rating: number; comment?: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { rating: number; comment?: string }) => {
    setBanner(null);
    try {
      await answer(api.POST('/api/v1/service-orders/{id}/rating', { params: { path: { id: order.id } }, body: { rating: v.rating, ...(v.comment ? { comment: v.comment } : {}) } }));
      message.success(zh.orders.rated);
      await queryClient.invalidateQueries({ queryKey: ['orders'] });
    } catch (err) {
      setBanner(showOrderProblem(form, err));
    }
  };
  return (
    <Card size="small" title={zh.orders.rate} data-testid="rating-form">
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <Form.Item name="rating" label={zh.orders.rating} rules={[{ required: true, message: zh.rules.rating }]}>
          <Rate />
        </Form.Item>
        <Form.Item name="comment" label={zh.orders.comment}>
          <Input.TextArea maxLength={1000} rows={2} />
        </Form.Item>
        {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
        <Button type="primary" htmlType="submit" data-testid="rate">
          {zh.common.submit}
        </Button>
      </Form>
    </Card>
  );
}

function CancelForm({ order }: { order: OrderDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  if (!open) return <Button onClick={() => setOpen(true)}>{zh.orders.cancel}</Button>;
  const onFinish = async (v: { reason: string }) => {
    setBanner(null);
    try {
      await answer(api.POST('/api/v1/service-orders/{id}/cancel', { params: { path: { id: order.id } }, body: v }));
      message.success(zh.orders.cancelled);
      await queryClient.invalidateQueries({ queryKey: ['orders'] });
    } catch (err) {
      setBanner(showOrderProblem(form, err));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 480 }}>
      <Form.Item name="reason" label={zh.orders.cancelReason} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={500} />
      </Form.Item>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Button danger htmlType="submit">
        {zh.orders.cancel}
      </Button>
    </Form>
  );
}

/** One order: its state, contact (masked unless the API shows it whole), history; the resident rates or cancels it here. */
export function OrderPage() {
  const { id = '' } = useParams();
  const me = useMe();
  const order = useQuery({ queryKey: ['orders', 'one', id], queryFn: () => loadOrder(id) });
  if (order.isError) return <Card><Typography.Text type="danger">{problemText(order.error)}</Typography.Text></Card>;
  const o = order.data;
  const mine = o && (o.residentId === me.id || o.orderedBy === me.id);
  return (
    <Card title={zh.orders.detail} loading={order.isPending}>
      {o && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={zh.orders.service}>{o.category}</Descriptions.Item>
            <Descriptions.Item label={zh.orders.status}>
              <OrderStatusTag status={o.status} />
            </Descriptions.Item>
            <Descriptions.Item label={zh.orders.window}>{windowText(o)}</Descriptions.Item>
            <Descriptions.Item label={zh.orders.residentName}>{o.residentName}</Descriptions.Item>
            <Descriptions.Item label={zh.orders.phone}>{o.phone}</Descriptions.Item>
            <Descriptions.Item label={zh.orders.address}>{o.address}</Descriptions.Item>
            {o.need ? <Descriptions.Item label={zh.orders.need}>{o.need}</Descriptions.Item> : null}
            {o.peopleServed !== null && <Descriptions.Item label={zh.orders.peopleServed}>{o.peopleServed}</Descriptions.Item>}
            {o.hours !== null && <Descriptions.Item label={zh.orders.hours}>{o.hours}</Descriptions.Item>}
            {o.rating !== null && <Descriptions.Item label={zh.orders.rating}><Rate disabled value={o.rating} /></Descriptions.Item>}
          </Descriptions>
          <Typography.Title level={5}>{zh.orders.history}</Typography.Title>
          <OrderHistory order={o} />
          {mine && o.status === 'served' && <RatingForm order={o} />}
          {mine && ['ordered', 'dispatched', 'accepted', 'escalated'].includes(o.status) && <CancelForm order={o} />}
        </Space>
      )}
    </Card>
  );
}
