import { useState } from 'react';
import { Alert, App, Button, Card, Col, DatePicker, Descriptions, Empty, Form, Input, InputNumber, Row, Select, Space, Table, Tag, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api, ApiError } from '../api/client';
import type { ProjectDetail } from '../api/types';
import { fmt, label, yuan, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { colourTag } from '../lib/tags';
import { hasRole, useMe } from '../session';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// The project page's delivery work (spending, service records), rectification and termination, the four-colour
// history and the design versions side by side.

const refresh = (queryClient: ReturnType<typeof useQueryClient>, id: string) =>
  Promise.all(['project', 'delivery', 'tranches', 'monitoring', 'evaluations', 'timeline', 'service-figures'].map((k) => queryClient.invalidateQueries({ queryKey: [k, id] })));

const ENDED = ['closed', 'rejected', 'withdrawn', 'terminated'];

export const useDelivery = (id: string) => useQuery({ queryKey: ['delivery', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/delivery', { params: { path: { id } } })) });
export const useMonitoring = (id: string) => useQuery({ queryKey: ['monitoring', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/monitoring', { params: { path: { id } } })) });
const useTimeline = (id: string) => useQuery({ queryKey: ['timeline', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/timeline', { params: { path: { id } } })) });

interface SpendingValues {
  budgetItem: string;
  amount: number;
  spentOn: Dayjs;
  note?: string;
}

function SpendingForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<SpendingValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const items = project.draft.budgetLines.map((l) => l.item);
  const onFinish = async (v: SpendingValues) => {
    setBanner(null);
    try {
      const body = { budgetItem: v.budgetItem, amountFen: Math.round(v.amount * 100), spentOn: v.spentOn.format('YYYY-MM-DD'), ...(v.note ? { note: v.note } : {}) };
      await answer(api.POST('/api/v1/projects/{id}/spending', { params: { path: { id: project.id } }, body }));
      message.success(zh.work.spendingRecorded);
      form.resetFields(['amount', 'note']);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p === '/body/amountFen' ? ['amount'] : p.startsWith('/body/') ? [p.slice(6)] : null)));
    }
  };
  return (
    <Card size="small" title={zh.work.recordSpending} style={{ marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ spentOn: dayjs(), budgetItem: items[0] }}>
        <Space wrap align="start">
          <Form.Item name="budgetItem" label={zh.work.budgetItem} rules={[{ required: true, message: zh.common.required }]}>
            <Select style={{ minWidth: 160 }} options={items.map((i) => ({ value: i, label: i }))} />
          </Form.Item>
          <Form.Item name="amount" label={zh.work.spendAmount} rules={[{ required: true, message: zh.common.required }]}>
            <InputNumber min={0.01} precision={2} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="spentOn" label={zh.work.spentOn} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="note" label={zh.work.note}>
            <Input maxLength={2000} />
          </Form.Item>
        </Space>
        <div>
          <Button type="primary" htmlType="submit" data-testid="record-spending">
            {zh.work.recordSpending}
          </Button>
        </div>
      </Form>
    </Card>
  );
}

interface ServiceValues {
  activity: string;
  heldOn: Dayjs;
  startTime?: string;
  place: string;
  peopleServed: number;
  volunteers: { volunteerId: string; hours: number }[];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function ServiceForm({ project, recordName }: { project: ProjectDetail; recordName: (id: string | undefined) => string }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ServiceValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const volunteers = useQuery({ queryKey: ['volunteers'], queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/volunteers', { params: { query: { limit: PAGE_MOST, cursor } } }))) });
  const onFinish = async (v: ServiceValues) => {
    setBanner(null);
    const body = {
      activity: v.activity,
      heldOn: v.heldOn.format('YYYY-MM-DD'),
      ...(v.startTime ? { startTime: v.startTime } : {}),
      place: v.place,
      peopleServed: v.peopleServed,
      volunteers: (v.volunteers ?? []).map((x) => ({ volunteerId: x.volunteerId, hours: x.hours })),
    };
    try {
      await answer(api.POST('/api/v1/projects/{id}/service-records', { params: { path: { id: project.id } }, body }));
      message.success(zh.work.serviceRecorded);
      form.resetFields();
      await refresh(queryClient, project.id);
    } catch (err) {
      // The API names the other record: the same shift (409) or a volunteer's overlapping shift (422). Put it by the field.
      if (err instanceof ApiError && err.status === 409 && err.problem.serviceRecordId) {
        form.setFields([{ name: v.startTime ? 'startTime' : 'heldOn', errors: [fmt(zh.work.shiftTaken, { record: recordName(err.problem.serviceRecordId) })] }]);
        return;
      }
      const rest = showProblem(form, err, (p) => {
        const m = p.match(/^\/body\/volunteers\/(\d+)(?:\/(volunteerId|hours))?$/);
        if (m) return ['volunteers', Number(m[1]), m[2] ?? 'volunteerId'];
        return p.startsWith('/body/') ? [p.slice(6)] : null;
      });
      if (err instanceof ApiError) {
        for (const e of err.problem.errors ?? []) {
          const m = e.field.match(/^\/body\/volunteers\/(\d+)$/);
          if (e.rule === 'shift-overlap' && m) form.setFields([{ name: ['volunteers', Number(m[1]), 'volunteerId'], errors: [fmt(zh.work.shiftOverlap, { record: recordName(e.message.match(UUID)?.[0]) })] }]);
        }
      }
      setBanner(rest);
    }
  };
  return (
    <Card size="small" title={zh.work.recordService} style={{ marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ heldOn: dayjs(), volunteers: [{}] }}>
        <Space wrap align="start">
          <Form.Item name="activity" label={zh.work.activity} rules={[{ required: true, message: zh.common.required }]}>
            <Input maxLength={200} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="heldOn" label={zh.work.heldOn} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="startTime" label={zh.work.startTime} rules={[{ pattern: /^([01][0-9]|2[0-3]):[0-5][0-9]$/, message: zh.rules.pattern }]} tooltip={zh.work.startTimeHint}>
            <Input placeholder="09:30" maxLength={5} style={{ width: 100 }} />
          </Form.Item>
          <Form.Item name="place" label={zh.work.place} rules={[{ required: true, message: zh.common.required }]}>
            <Input maxLength={200} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="peopleServed" label={zh.work.peopleServed} rules={[{ required: true, message: zh.common.required }]}>
            <InputNumber min={0} max={100000} precision={0} style={{ width: 120 }} />
          </Form.Item>
        </Space>
        <Form.List name="volunteers">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'volunteerId']} label={zh.work.volunteer} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 200 }}>
                    <Select loading={volunteers.isPending} options={(volunteers.data?.items ?? []).map((x) => ({ value: x.id, label: x.name }))} notFoundContent={zh.common.none} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'hours']} label={zh.work.hours} rules={[{ required: true, message: zh.common.required }]}>
                    <InputNumber min={0.5} max={24} step={0.5} style={{ width: 120 }} />
                  </Form.Item>
                  <Button type="link" onClick={() => remove(f.name)} style={{ marginTop: 30 }}>
                    {zh.common.remove}
                  </Button>
                </Space>
              ))}
              <div>
                <Button type="dashed" onClick={() => add({})} style={{ marginBottom: 12 }}>
                  {zh.work.addVolunteer}
                </Button>
              </div>
            </>
          )}
        </Form.List>
        <Button type="primary" htmlType="submit" data-testid="record-service">
          {zh.work.recordService}
        </Button>
      </Form>
    </Card>
  );
}

/** Spending and service records: the totals and lists everyone reads; the applicant records in delivery. */
export function WorkTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const id = project.id;
  const delivery = useDelivery(id);
  const timeline = useTimeline(id);
  const services = (timeline.data?.items ?? []).filter((e) => e.kind === 'serviceRecorded');
  const recordName = (recordId: string | undefined) => {
    const e = services.find((s) => s.data.id === recordId);
    return e ? `${String(e.data.activity)}，${dayjs(e.at).format('YYYY-MM-DD HH:mm')}${zh.work.recordedAt}` : zh.work.anotherRecord;
  };
  const stage = project.live?.stage ?? project.stage;
  const works = hasRole(me, 'applicant') && ['delivery', 'rectification'].includes(stage);
  if (delivery.isError) return <Typography.Text type="secondary">{problemText(delivery.error)}</Typography.Text>;
  const d = delivery.data;
  return (
    <>
      <Typography.Paragraph data-testid="work-totals">
        {fmt(zh.work.totals, { records: d?.serviceRecords ?? 0, people: d?.peopleServed ?? 0, hours: d?.volunteerHours ?? 0 })}
      </Typography.Paragraph>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Table
            rowKey="budgetItem"
            size="small"
            pagination={false}
            loading={delivery.isPending}
            title={() => zh.work.spendingByItem}
            dataSource={d?.spendingByBudgetItem ?? []}
            locale={{ emptyText: zh.common.none }}
            columns={[
              { title: zh.work.budgetItem, dataIndex: 'budgetItem' },
              { title: zh.work.spendAmount, dataIndex: 'amountFen', render: (f: number) => <span data-testid="spent">{yuan(f)}</span> },
            ]}
          />
        </Col>
        <Col xs={24} md={12}>
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            loading={timeline.isPending}
            title={() => zh.work.services}
            dataSource={services}
            locale={{ emptyText: zh.common.none }}
            columns={[
              { title: zh.work.activity, dataIndex: ['data', 'activity'], render: (a: unknown) => <span data-testid="service-activity">{String(a)}</span> },
              { title: zh.work.peopleServed, dataIndex: ['data', 'peopleServed'], render: (n: unknown) => String(n ?? 0) },
              { title: zh.work.volunteerHours, dataIndex: ['data', 'volunteerHours'], render: (n: unknown) => String(n ?? 0) },
              { title: zh.work.recordedAt, dataIndex: 'at', render: (at: string) => dayjs(at).format('YYYY-MM-DD HH:mm') },
            ]}
          />
        </Col>
      </Row>
      {works && <SpendingForm project={project} />}
      {works && <ServiceForm project={project} recordName={recordName} />}
    </>
  );
}

interface PlanValues {
  plan: string;
  spendingPlan?: { on: Dayjs; cumulative: number }[];
  indicatorTargets?: { name: string; target: number }[];
}

function PlanForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<PlanValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const indicators = project.draft.objectives.flatMap((o) => o.indicators.map((i) => i.name));
  const onFinish = async (v: PlanValues) => {
    setBanner(null);
    const spendingPlan = (v.spendingPlan ?? []).map((p) => ({ on: p.on.format('YYYY-MM-DD'), cumulativeFen: Math.round(p.cumulative * 100) }));
    const indicatorTargets = (v.indicatorTargets ?? []).map((t) => ({ name: t.name, target: t.target }));
    const body = { plan: v.plan, ...(spendingPlan.length ? { spendingPlan } : {}), ...(indicatorTargets.length ? { indicatorTargets } : {}) };
    try {
      await answer(api.POST('/api/v1/projects/{id}/rectification/plan', { params: { path: { id: project.id } }, body }));
      message.success(zh.rectification.planSubmitted);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(
        showProblem(form, err, (p) => {
          const s = p.match(/^\/body\/spendingPlan\/(\d+)\/(on|cumulativeFen)$/);
          if (s) return ['spendingPlan', Number(s[1]), s[2] === 'on' ? 'on' : 'cumulative'];
          const t = p.match(/^\/body\/indicatorTargets\/(\d+)\/(name|target)$/);
          if (t) return ['indicatorTargets', Number(t[1]), t[2]];
          return p === '/body/plan' ? ['plan'] : null;
        }),
      );
    }
  };
  return (
    <Card size="small" title={zh.rectification.submitPlan} style={{ marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 720 }}>
        <Form.Item name="plan" label={zh.rectification.plan} rules={[{ required: true, message: zh.common.required }]}>
          <Input.TextArea rows={4} maxLength={20000} />
        </Form.Item>
        <Typography.Text strong>{zh.rectification.spendingPlan}</Typography.Text>
        <Form.List name="spendingPlan">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'on']} label={zh.rectification.planOn} rules={[{ required: true, message: zh.common.required }]}>
                    <DatePicker />
                  </Form.Item>
                  <Form.Item name={[f.name, 'cumulative']} label={zh.rectification.cumulative} rules={[{ required: true, message: zh.common.required }]}>
                    <InputNumber min={0} precision={2} style={{ width: 160 }} />
                  </Form.Item>
                  <Button type="link" onClick={() => remove(f.name)} style={{ marginTop: 30 }}>
                    {zh.common.remove}
                  </Button>
                </Space>
              ))}
              <div>
                <Button type="dashed" onClick={() => add({ on: dayjs().add(1, 'month') })} style={{ margin: '8px 0 12px' }} data-testid="add-plan-point">
                  {zh.rectification.addPlanPoint}
                </Button>
              </div>
            </>
          )}
        </Form.List>
        <Typography.Text strong>{zh.rectification.targets}</Typography.Text>
        <Form.List name="indicatorTargets">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'name']} label={zh.rectification.indicator} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 180 }}>
                    <Select options={indicators.map((n) => ({ value: n, label: n }))} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'target']} label={zh.rectification.target} rules={[{ required: true, message: zh.common.required }]}>
                    <InputNumber min={0.01} style={{ width: 120 }} />
                  </Form.Item>
                  <Button type="link" onClick={() => remove(f.name)} style={{ marginTop: 30 }}>
                    {zh.common.remove}
                  </Button>
                </Space>
              ))}
              <div>
                <Button type="dashed" onClick={() => add({ name: indicators[0] })} style={{ margin: '8px 0 12px' }} data-testid="add-target">
                  {zh.rectification.addTarget}
                </Button>
              </div>
            </>
          )}
        </Form.List>
        <Button type="primary" htmlType="submit" data-testid="submit-plan">
          {zh.rectification.submitPlan}
        </Button>
      </Form>
    </Card>
  );
}

function CompleteForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ note?: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { note?: string }) => {
    setBanner(null);
    try {
      await answer(api.POST('/api/v1/projects/{id}/rectification/complete', { params: { path: { id: project.id } }, body: v.note ? { note: v.note } : {} }));
      message.success(zh.rectification.completed);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  return (
    <Card size="small" title={zh.rectification.complete} style={{ marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 720 }}>
        <Form.Item name="note" label={zh.rectification.completeNote}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="complete-rectification">
          {zh.rectification.complete}
        </Button>
      </Form>
    </Card>
  );
}

function TerminateForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { reason: string }) => {
    setBanner(null);
    try {
      await answer(api.POST('/api/v1/projects/{id}/termination', { params: { path: { id: project.id } }, body: { reason: v.reason } }));
      message.success(zh.rectification.terminated);
      setOpen(false);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  if (!open)
    return (
      <Button danger style={{ marginTop: 12 }} onClick={() => setOpen(true)} data-testid="open-terminate">
        {zh.rectification.terminate}
      </Button>
    );
  return (
    <Card size="small" title={zh.rectification.terminate} style={{ marginTop: 12 }}>
      <Typography.Paragraph type="secondary">{zh.rectification.terminateHint}</Typography.Paragraph>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 720 }}>
        <Form.Item name="reason" label={zh.rectification.terminateReason} rules={[{ required: true, message: zh.common.required }]}>
          <Input.TextArea rows={3} maxLength={5000} />
        </Form.Item>
        <Space>
          <Button danger type="primary" htmlType="submit" data-testid="terminate">
            {zh.rectification.confirm}
          </Button>
          <Button onClick={() => setOpen(false)}>{zh.common.cancel}</Button>
        </Space>
      </Form>
    </Card>
  );
}

/** Rectifications with their plans; the applicant plans, the officer accepts; the officer may terminate the project. */
export function RectificationTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const monitoring = useMonitoring(project.id);
  const stage = project.live?.stage ?? project.stage;
  const items = monitoring.data?.rectifications ?? [];
  const current = stage === 'rectification' ? items.find((r) => r.status === 'open' || r.status === 'planned') : undefined;
  if (monitoring.isError) return <Typography.Text type="secondary">{problemText(monitoring.error)}</Typography.Text>;
  return (
    <>
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={monitoring.isPending}
        dataSource={items}
        locale={{ emptyText: zh.rectification.none }}
        scroll={{ x: 560 }}
        columns={[
          { title: zh.rectification.cause, dataIndex: 'cause', render: (c: string) => label(zh.rectificationCauses, c) },
          { title: zh.rectification.reason, dataIndex: 'reason', render: (r: string, row) => (row.cause === 'red_grade' ? colourReasons([r]) : r) },
          { title: zh.rectification.plan, dataIndex: 'plan', render: (p: string | null) => p ?? '—' },
          { title: zh.rectification.dueAt, dataIndex: 'dueAt', render: (at: string) => dayjs(at).format('YYYY-MM-DD') },
          { title: zh.rectification.status, dataIndex: 'status', render: (s: string) => <Tag data-testid="rectification-status">{label(zh.rectificationStatus, s)}</Tag> },
        ]}
      />
      {current?.status === 'open' && hasRole(me, 'applicant') && <PlanForm project={project} />}
      {current?.status === 'planned' && hasRole(me, 'officer') && <CompleteForm project={project} />}
      {hasRole(me, 'officer') && !ENDED.includes(stage) && <TerminateForm project={project} />}
    </>
  );
}

// The API renders colour reasons in the console's language (Chinese); rows graded before that keep the workflow's
// English wording (workflows/rules/colour.ts), which these patterns put into Chinese.
const REASONS: [RegExp, keyof typeof zh.colourHistory][] = [
  [/^(\d+) overdue monthly reports? \((\w+) at ([\d.]+)\)$/, 'overdueReports'],
  [/^spending ([\d.]+)% off plan \((\w+) at ([\d.]+)%\)$/, 'spending'],
  [/^indicators ([\d.]+)% behind schedule \((\w+) at ([\d.]+)%\)$/, 'indicators'],
  [/^(\d+) complaints? \((\w+) at ([\d.]+)\)$/, 'complaints'],
  [/^supervision index ([\d.]+) \((\w+) below ([\d.]+)\)$/, 'supervision'],
];

export function colourReason(reason: string): string {
  for (const [re, key] of REASONS) {
    const m = reason.match(re);
    if (m) return fmt(zh.colourHistory[key], { n: m[1], colour: label(zh.colours, m[2]), t: m[3] });
  }
  return /[A-Za-z]{2,}/.test(reason) ? zh.common.other : reason;
}
const colourReasons = (reasons: string[]) => reasons.map(colourReason).join('；');

/** Every colour change with its reasons. */
export function ColourTab({ project }: { project: ProjectDetail }) {
  const monitoring = useMonitoring(project.id);
  if (monitoring.isError) return <Typography.Text type="secondary">{problemText(monitoring.error)}</Typography.Text>;
  return (
    <>
      <Typography.Paragraph>
        {zh.project.colour}：{colourTag(monitoring.data?.colour ?? project.colour)}
      </Typography.Paragraph>
      <Table
        rowKey={(c) => `${c.at}${c.to}`}
        size="small"
        pagination={false}
        loading={monitoring.isPending}
        dataSource={[...(monitoring.data?.colourChanges ?? [])].reverse()}
        locale={{ emptyText: zh.colourHistory.none }}
        scroll={{ x: 480 }}
        data-testid="colour-history"
        columns={[
          { title: zh.colourHistory.at, dataIndex: 'at', render: (at: string) => dayjs(at).format('YYYY-MM-DD HH:mm') },
          { title: zh.colourHistory.change, key: 'change', render: (_: unknown, c) => <Space size={4}>{colourTag(c.from)}→{colourTag(c.to)}</Space> },
          { title: zh.colourHistory.reasons, dataIndex: 'reasons', render: (r: string[]) => (r.length ? colourReasons(r) : zh.colourHistory.noReason) },
        ]}
      />
    </>
  );
}

type Version = Awaited<ReturnType<typeof loadVersions>>['items'][number];
const loadVersions = (id: string) => answer(api.GET('/api/v1/projects/{id}/design/versions', { params: { path: { id } } }));

/** The lines of a version the two columns compare, each under a heading. */
function versionLines(v: Version): [string, string[]][] {
  const p = v.proposal;
  return [
    [zh.project.objectives, p.objectives.flatMap((o) => [o.description, ...o.indicators.map((x) => `· ${x.name} ${x.target}${x.unit}`)])],
    [zh.versions.milestones, p.milestones.map((m) => `${m.name}（${m.due}）`)],
    [zh.project.team, [`${zh.create.staff} ${p.team.staff}，${zh.create.certified} ${p.team.certifiedSocialWorkers}，${zh.create.volunteers} ${p.team.volunteers}，${zh.create.lead} ${p.team.lead}`]],
    [zh.project.budget, p.budgetLines.map((l) => `${l.item}：${yuan(l.amountFen)} ${zh.common.yuan}`)],
    [zh.versions.amountAsked, [`${yuan(p.amountAskedFen)} ${zh.common.yuan}`]],
    [zh.versions.coFunding, [`${yuan(p.coFundingFen)} ${zh.common.yuan}`]],
    [zh.versions.targetGroups, [p.targetGroups.map((g) => label(zh.targetGroups, g)).join('、')]],
  ];
}

function VersionColumn({ version, other, testid }: { version: Version; other: Version | undefined; testid: string }) {
  const theirs = new Map(other ? versionLines(other) : []);
  return (
    <Card size="small" title={`${fmt(zh.project.version, { n: version.version })} ${fmt(zh.versions.submittedAt, { at: dayjs(version.submittedAt).format('YYYY-MM-DD HH:mm') })}`} data-testid={testid}>
      <Descriptions size="small" column={1}>
        {versionLines(version).map(([heading, lines]) => (
          <Descriptions.Item key={heading} label={heading}>
            <div>
              {lines.map((l, i) => {
                const changed = other !== undefined && !(theirs.get(heading) ?? []).includes(l);
                return (
                  <div key={i} className={changed ? 'version-changed' : undefined} style={changed ? { background: '#fff1b8' } : undefined} data-changed={changed || undefined}>
                    {l}
                  </div>
                );
              })}
            </div>
          </Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
}

/** The submitted versions, two side by side, what differs highlighted. */
export function VersionsTab({ project }: { project: ProjectDetail }) {
  const versions = useQuery({ queryKey: ['versions', project.id], queryFn: () => loadVersions(project.id) });
  const items = versions.data?.items ?? [];
  const [left, setLeft] = useState<number | null>(null);
  const [right, setRight] = useState<number | null>(null);
  if (versions.isError) return <Typography.Text type="secondary">{problemText(versions.error)}</Typography.Text>;
  if (versions.isPending) return <Card loading bordered={false} />;
  if (!items.length) return <Empty description={zh.versions.none} />;
  const r = items.find((v) => v.version === right) ?? items[items.length - 1];
  const l = items.find((v) => v.version === left) ?? items[Math.max(0, items.length - 2)];
  const options = items.map((v) => ({ value: v.version, label: fmt(zh.project.version, { n: v.version }) }));
  if (items.length === 1) {
    return (
      <>
        <Typography.Paragraph type="secondary">{zh.versions.only}</Typography.Paragraph>
        <VersionColumn version={r} other={undefined} testid="version-right" />
      </>
    );
  }
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        {zh.versions.left}
        <Select style={{ width: 120 }} value={l.version} onChange={setLeft} options={options} aria-label={zh.versions.left} />
        {zh.versions.right}
        <Select style={{ width: 120 }} value={r.version} onChange={setRight} options={options} aria-label={zh.versions.right} />
        <Tag color="gold">{zh.versions.changed}</Tag>
      </Space>
      <Row gutter={12}>
        <Col xs={24} md={12}>
          <VersionColumn version={l} other={r} testid="version-left" />
        </Col>
        <Col xs={24} md={12}>
          <VersionColumn version={r} other={l} testid="version-right" />
        </Col>
      </Row>
    </>
  );
}
