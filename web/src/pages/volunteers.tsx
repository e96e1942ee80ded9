import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Row, Select, Space, Statistic, Table, Tabs, Tag, TreeSelect, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import dayjs from 'dayjs';
import { answer, api, ApiError } from '../api/client';
import { fmt, label, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { useMe } from '../session';
import { regionPicker, regionTree, useRegions } from './library';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// 志愿者: an organisation's volunteers and the registration form; 时间银行: a volunteer's balance, ledger and redemptions.

const loadVolunteers = () => allPages((cursor) => answer(api.GET('/api/v1/volunteers', { params: { query: { limit: PAGE_MOST, cursor } } })));
type Volunteer = Awaited<ReturnType<typeof loadVolunteers>>['items'][number];

interface VolunteerValues {
  name: string;
  phone?: string;
  idNumber?: string;
  skills?: string[];
  communityIds?: string[];
  availability?: { weekday: number; from: string; to: string }[];
}

function volunteerField(pointer: string): (string | number)[] | null {
  const slot = pointer.match(/^\/body\/availability\/(\d+)\/(weekday|from|to)$/);
  if (slot) return ['availability', Number(slot[1]), slot[2]];
  if (pointer.startsWith('/body/communityIds')) return ['communityIds'];
  if (pointer.startsWith('/body/skills')) return ['skills'];
  const m = pointer.match(/^\/body\/(name|phone|idNumber)$/);
  return m ? [m[1]] : null;
}

/**
 * A nullable field refused for its shape reports both branches (the pattern, and "not null"); the second says nothing
 * to the person, so it is left out when the field has another problem.
 */
function withoutNullBranch(err: unknown): unknown {
  if (!(err instanceof ApiError) || !err.problem.errors) return err;
  const errors = err.problem.errors;
  const other = new Set(errors.filter((e) => e.rule !== 'type' && e.rule !== 'anyOf').map((e) => e.field));
  return new ApiError({ ...err.problem, errors: errors.filter((e) => !((e.rule === 'type' || e.rule === 'anyOf') && other.has(e.field))) });
}

function RegisterForm({ onDone }: { onDone: () => void }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const [form] = Form.useForm<VolunteerValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: VolunteerValues) => {
    setBanner(null);
    try {
      await answer(
        api.POST('/api/v1/volunteers', {
          body: {
            name: v.name,
            ...(v.phone ? { phone: v.phone } : {}),
            ...(v.idNumber ? { idNumber: v.idNumber } : {}),
            skills: v.skills ?? [],
            communityIds: v.communityIds ?? [],
            availability: (v.availability ?? []).map((s) => ({ weekday: Number(s.weekday), from: s.from, to: s.to })),
          },
        }),
      );
      message.success(zh.volunteers.registered);
      form.resetFields();
      await queryClient.invalidateQueries({ queryKey: ['volunteers'] });
      onDone();
    } catch (err) {
      setBanner(showProblem(form, withoutNullBranch(err), volunteerField));
    }
  };
  const time = { pattern: /^([01][0-9]|2[0-4]):[0-5][0-9]$/, message: zh.rules.pattern };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560 }} data-testid="volunteer-form">
      <Form.Item name="name" label={zh.volunteers.name} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="phone" label={zh.volunteers.phone}>
        <Input inputMode="tel" maxLength={20} />
      </Form.Item>
      <Form.Item name="idNumber" label={zh.volunteers.idNumber} extra={zh.volunteers.idNumberHint}>
        <Input maxLength={18} />
      </Form.Item>
      <Form.Item name="skills" label={zh.volunteers.skills} extra={zh.volunteers.skillsHint}>
        <Select mode="tags" tokenSeparators={[',', '，', '、']} />
      </Form.Item>
      <Form.Item name="communityIds" label={zh.volunteers.communities}>
        <TreeSelect {...regionPicker(tree)} multiple loading={regions.isPending} />
      </Form.Item>
      <div style={{ marginBottom: 8 }}>
        <Typography.Text strong>{zh.volunteers.availability}</Typography.Text>
      </div>
      <Form.List name="availability">
        {(fields, { add, remove }) => (
          <>
            {fields.map((f) => (
              <Space key={f.key} wrap align="start">
                <Form.Item name={[f.name, 'weekday']} label={zh.volunteers.weekday} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 90 }}>
                  <Select options={Object.entries(zh.weekdays).map(([value, text]) => ({ value: Number(value), label: text }))} />
                </Form.Item>
                <Form.Item name={[f.name, 'from']} label={zh.volunteers.from} rules={[{ required: true, message: zh.common.required }, time]}>
                  <Input placeholder="08:00" style={{ width: 80 }} maxLength={5} />
                </Form.Item>
                <Form.Item name={[f.name, 'to']} label={zh.volunteers.to} rules={[{ required: true, message: zh.common.required }, time]}>
                  <Input placeholder="12:00" style={{ width: 80 }} maxLength={5} />
                </Form.Item>
                <Button type="link" onClick={() => remove(f.name)} style={{ marginTop: 30 }}>
                  {zh.common.remove}
                </Button>
              </Space>
            ))}
            <div>
              <Button type="dashed" onClick={() => add({ weekday: 6, from: '09:00', to: '12:00' })} style={{ margin: '8px 0 12px' }}>
                {zh.volunteers.addSlot}
              </Button>
            </div>
          </>
        )}
      </Form.List>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" block data-testid="register-volunteer">
        {zh.volunteers.register}
      </Button>
    </Form>
  );
}

function VolunteerList() {
  const volunteers = useQuery({ queryKey: ['volunteers'], queryFn: loadVolunteers });
  const weekdays = (v: Volunteer) => v.availability.map((s) => `${label(zh.weekdays, String(s.weekday))} ${s.from}-${s.to}`).join('，');
  if (volunteers.isError) return <Typography.Text type="danger">{problemText(volunteers.error)}</Typography.Text>;
  return (
    <Table<Volunteer>
      rowKey="id"
      size="small"
      pagination={false}
      loading={volunteers.isPending}
      dataSource={volunteers.data?.items ?? []}
      locale={{ emptyText: <Empty description={zh.volunteers.empty} /> }}
      scroll={{ x: 560 }}
      data-testid="volunteers"
      columns={[
        { title: zh.volunteers.name, dataIndex: 'name', render: (n: string, v) => (v.masked ? <>{n} <Tag>{zh.volunteers.masked}</Tag></> : n) },
        { title: zh.volunteers.phone, dataIndex: 'phone', render: (p: string | null) => p ?? zh.common.none },
        { title: zh.volunteers.skills, dataIndex: 'skills', render: (s: string[]) => (s.length ? s.join('、') : zh.common.none) },
        { title: zh.volunteers.availability, key: 'availability', render: (_: unknown, v) => weekdays(v) || zh.common.none },
        { title: zh.volunteers.timeBank, key: 'bank', render: (_: unknown, v) => (v.masked ? null : <Link to={`/volunteers/${v.id}/time-bank`}>{zh.common.view}</Link>) },
      ]}
    />
  );
}

/** 志愿者: the list in the caller's scope and the registration form. */
export default function VolunteersPage() {
  const [tab, setTab] = useState('list');
  return (
    <Card title={zh.volunteers.title}>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        destroyOnHidden
        items={[
          { key: 'list', label: zh.volunteers.list, children: <VolunteerList /> },
          { key: 'register', label: zh.volunteers.register, children: <RegisterForm onDone={() => setTab('list')} /> },
        ]}
      />
    </Card>
  );
}

// ---- 时间银行 -----------------------------------------------------------------------------------

const loadMine = () => answer(api.GET('/api/v1/me/time-bank', { params: { query: { limit: 100 } } }));
type Ledger = Awaited<ReturnType<typeof loadMine>>;
type Entry = Ledger['history']['items'][number];

function RedeemForm({ volunteerId }: { volunteerId: string }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const [form] = Form.useForm<{ regionId: string; resourceId: string; points: number; note?: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const regionId = Form.useWatch('regionId', form) ?? me.region?.id ?? regions.data?.items.find((r) => r.parentId === null)?.id;
  const resources = useQuery({
    queryKey: ['resources', regionId],
    enabled: Boolean(regionId),
    queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/regions/{id}/resource-list', { params: { path: { id: regionId! }, query: { limit: PAGE_MOST, cursor } } }))),
  });
  const onFinish = async (v: { resourceId: string; points: number; note?: string }) => {
    setBanner(null);
    try {
      const r = await answer(api.POST('/api/v1/volunteers/{id}/redemptions', { params: { path: { id: volunteerId } }, body: { resourceId: v.resourceId, points: v.points, ...(v.note ? { note: v.note } : {}) } }));
      message.success(fmt(zh.timeBank.redeemed_ok, { n: r.balance }));
      form.resetFields(['points', 'note']);
      await queryClient.invalidateQueries({ queryKey: ['time-bank'] });
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p === '/body/points' ? ['points'] : p === '/body/resourceId' ? ['resourceId'] : p === '/body/note' ? ['note'] : null)));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 480 }} initialValues={{ regionId }} data-testid="redeem-form">
      <Form.Item name="regionId" label={zh.timeBank.region}>
        <TreeSelect {...regionPicker(tree)} loading={regions.isPending} onChange={() => form.setFieldValue('resourceId', undefined)} />
      </Form.Item>
      <Form.Item name="resourceId" label={zh.timeBank.resource} rules={[{ required: true, message: zh.common.required }]}>
        <Select
          loading={resources.isPending && Boolean(regionId)}
          notFoundContent={zh.timeBank.noResources}
          options={(resources.data?.items ?? []).map((r) => ({ value: r.id, label: `${r.unit}：${r.offer}` }))}
        />
      </Form.Item>
      <Form.Item name="points" label={zh.timeBank.redeemPoints} rules={[{ required: true, message: zh.common.required }]}>
        <InputNumber min={1} max={1000000} precision={0} inputMode="numeric" />
      </Form.Item>
      <Form.Item name="note" label={zh.timeBank.note}>
        <Input maxLength={500} />
      </Form.Item>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" data-testid="redeem">
        {zh.timeBank.submit}
      </Button>
    </Form>
  );
}

function LedgerView({ ledger, title }: { ledger: Ledger; title: string }) {
  return (
    <Card title={title}>
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <div data-testid="balance">
            <Statistic title={zh.timeBank.balance} value={ledger.balance} />
          </div>
        </Col>
        <Col xs={12} md={6}>
          <div data-testid="hours">
            <Statistic title={zh.timeBank.hours} value={ledger.hours} precision={2} />
          </div>
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.timeBank.earned} value={ledger.earnedPoints} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.timeBank.redeemed} value={ledger.redeemedPoints} />
        </Col>
      </Row>
      <Tabs
        items={[
          {
            key: 'ledger',
            label: zh.timeBank.ledger,
            children: (
              <Table<Entry>
                rowKey="id"
                size="small"
                pagination={false}
                dataSource={ledger.history.items}
                locale={{ emptyText: zh.common.none }}
                scroll={{ x: 480 }}
                data-testid="ledger"
                columns={[
                  { title: zh.timeBank.at, dataIndex: 'at', render: (a: string) => dayjs(a).format('YYYY-MM-DD HH:mm') },
                  { title: zh.timeBank.cause, dataIndex: 'cause', render: (c: string) => label(zh.ledgerCauses, c) },
                  { title: zh.orders.hours, dataIndex: 'hours' },
                  { title: zh.timeBank.points, dataIndex: 'points' },
                  { title: zh.timeBank.note, dataIndex: 'note', render: (n: string | null) => n || zh.common.none },
                ]}
              />
            ),
          },
          { key: 'redeem', label: zh.timeBank.redeem, children: <RedeemForm volunteerId={ledger.volunteerId} /> },
        ]}
      />
    </Card>
  );
}

/** 我的时间银行: the signed-in volunteer's own account. */
export function MyTimeBankPage() {
  const ledger = useQuery({ queryKey: ['time-bank', 'mine'], retry: false, queryFn: loadMine });
  if (ledger.isError) {
    const text = ledger.error instanceof ApiError && ledger.error.status === 404 ? zh.timeBank.notVolunteer : problemText(ledger.error);
    return (
      <Card title={zh.timeBank.title}>
        <Typography.Text type="secondary">{text}</Typography.Text>
      </Card>
    );
  }
  if (!ledger.data) return <Card title={zh.timeBank.title} loading />;
  return <LedgerView ledger={ledger.data} title={zh.timeBank.title} />;
}

/** A volunteer's time bank, for their organisation and the officers over them. */
export function VolunteerTimeBankPage() {
  const { id = '' } = useParams();
  const volunteer = useQuery({ queryKey: ['volunteer', id], queryFn: () => answer(api.GET('/api/v1/volunteers/{id}', { params: { path: { id } } })) });
  const ledger = useQuery({ queryKey: ['time-bank', id], queryFn: () => answer(api.GET('/api/v1/volunteers/{id}/time-bank', { params: { path: { id }, query: { limit: 100 } } })) });
  const title = fmt(zh.timeBank.titleOf, { name: volunteer.data?.name ?? '' });
  if (ledger.isError) return <Card title={title}><Typography.Text type="danger">{problemText(ledger.error)}</Typography.Text></Card>;
  if (!ledger.data) return <Card title={title} loading />;
  return <LedgerView ledger={ledger.data} title={title} />;
}
