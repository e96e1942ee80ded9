import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import { api, unwrap } from '../api/client';
import type { ProjectDetail } from '../api/types';
import { fmt, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { useDelivery, useMonitoring } from './project-work';

// The monitoring record (项目监测) on the project page: milestones (the applicant marks them done), monthly reports,
// complaints (the officer records them; they count toward the colour) and quarterly reviews (季例会, the officer);
// and withdrawing a project before delivery (applicant or officer).

const DELIVERING = ['delivery', 'rectification'];
const BEFORE_DELIVERY = ['design', 'review', 'revision', 'approved'];

const refresh = (queryClient: ReturnType<typeof useQueryClient>, id: string) =>
  Promise.all([
    ...['project', 'delivery', 'monitoring', 'timeline'].map((k) => queryClient.invalidateQueries({ queryKey: [k, id] })),
    queryClient.invalidateQueries({ queryKey: ['tasks'] }),
  ]);

const section = (title: string) => (
  <Typography.Title level={5} style={{ marginTop: 16 }}>
    {title}
  </Typography.Title>
);

/** "2026-Q4" as the catalogue writes it. */
export function quarterLabel(quarter: string): string {
  const m = quarter.match(/^(\d{4})-Q([1-4])$/);
  return m ? fmt(zh.monitoring.quarterLabel, { year: m[1], q: m[2] }) : zh.common.other;
}

/** This quarter and the three before it, newest first. */
function recentQuarters(now = dayjs()): string[] {
  const out: string[] = [];
  let year = now.year();
  let q = Math.floor(now.month() / 3) + 1;
  for (let i = 0; i < 4; i++) {
    out.push(`${year}-Q${q}`);
    q -= 1;
    if (q === 0) {
      q = 4;
      year -= 1;
    }
  }
  return out;
}

function Milestones({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const delivery = useDelivery(project.id);
  const [busy, setBusy] = useState<number | null>(null);
  const stage = project.live?.stage ?? project.stage;
  const applicant = hasRole(me, 'applicant') && DELIVERING.includes(stage);
  const complete = async (seq: number) => {
    setBusy(seq);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/milestones/{seq}/complete', { params: { path: { id: project.id, seq } }, body: {} }));
      message.success(zh.monitoring.completed);
      await refresh(queryClient, project.id);
    } catch (err) {
      message.error(problemText(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Table
      rowKey="seq"
      size="small"
      pagination={false}
      loading={delivery.isPending}
      dataSource={delivery.data?.milestones ?? []}
      locale={{ emptyText: zh.monitoring.noMilestones }}
      scroll={{ x: 360 }}
      data-testid="milestones"
      columns={[
        { title: zh.monitoring.milestone, dataIndex: 'name' },
        { title: zh.monitoring.due, dataIndex: 'due' },
        {
          title: zh.monitoring.doneAt,
          dataIndex: 'doneAt',
          render: (d: string | null, m) =>
            d ? (
              <Tag color="green" data-testid={`milestone-done-${m.seq}`}>
                {dayjs(d).format('YYYY-MM-DD')}
              </Tag>
            ) : applicant ? (
              <Popconfirm title={zh.monitoring.confirmComplete} okText={zh.common.yes} cancelText={zh.common.no} onConfirm={() => complete(m.seq)}>
                <Button size="small" loading={busy === m.seq} data-testid={`complete-milestone-${m.seq}`}>
                  {zh.monitoring.complete}
                </Button>
              </Popconfirm>
            ) : (
              <Tag>{zh.monitoring.notDone}</Tag>
            ),
        },
      ]}
    />
  );
}

function ComplaintForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ receivedOn: Dayjs; description: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onFinish = async (v: { receivedOn: Dayjs; description: string }) => {
    setBanner(null);
    setBusy(true);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/complaints', { params: { path: { id: project.id } }, body: { receivedOn: v.receivedOn.format('YYYY-MM-DD'), description: v.description } }));
      message.success(zh.monitoring.complaintRecorded);
      form.resetFields();
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title={zh.monitoring.recordComplaint} style={{ marginTop: 8 }}>
      <Typography.Paragraph type="secondary">{zh.monitoring.complaintHint}</Typography.Paragraph>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ receivedOn: dayjs() }}>
        <Form.Item name="receivedOn" label={zh.monitoring.receivedOn} rules={[{ required: true, message: zh.common.required }]}>
          <DatePicker />
        </Form.Item>
        <Form.Item name="description" label={zh.monitoring.complaint} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="record-complaint">
          {zh.monitoring.recordComplaint}
        </Button>
      </Form>
    </Card>
  );
}

interface QuarterlyValues {
  quarter: string;
  heldOn: Dayjs;
  notes: string;
  attendees?: string;
}

function QuarterlyForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<QuarterlyValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const quarters = recentQuarters();
  const onFinish = async (v: QuarterlyValues) => {
    setBanner(null);
    setBusy(true);
    const attendees = (v.attendees ?? '')
      .split('\n')
      .map((a) => a.trim())
      .filter(Boolean);
    try {
      const body = { quarter: v.quarter, heldOn: v.heldOn.format('YYYY-MM-DD'), notes: v.notes, ...(attendees.length ? { attendees } : {}) };
      await unwrap(api.POST('/api/v1/projects/{id}/quarterly-reviews', { params: { path: { id: project.id } }, body }));
      message.success(zh.monitoring.quarterlyRecorded);
      form.resetFields();
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p.startsWith('/body/attendees') ? ['attendees'] : p.match(/^\/body\/(quarter|heldOn|notes)$/) ? [p.slice(6)] : null)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title={zh.monitoring.recordQuarterly} style={{ marginTop: 8 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ quarter: quarters[0], heldOn: dayjs() }}>
        <Space wrap align="start">
          <Form.Item name="quarter" label={zh.monitoring.quarter} rules={[{ required: true, message: zh.common.required }]}>
            <Select style={{ width: 180 }} options={quarters.map((q) => ({ value: q, label: quarterLabel(q) }))} />
          </Form.Item>
          <Form.Item name="heldOn" label={zh.monitoring.heldOn} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker />
          </Form.Item>
        </Space>
        <Form.Item name="notes" label={zh.monitoring.minutes} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
          <Input.TextArea rows={3} maxLength={10000} />
        </Form.Item>
        <Form.Item name="attendees" label={zh.monitoring.attendees} extra={zh.monitoring.attendeesHint}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="record-quarterly-review">
          {zh.monitoring.recordQuarterly}
        </Button>
      </Form>
    </Card>
  );
}

/** The monitoring record: milestones, monthly reports, complaints and quarterly reviews. */
export function MonitoringTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const monitoring = useMonitoring(project.id);
  const stage = project.live?.stage ?? project.stage;
  const officer = hasRole(me, 'officer') && DELIVERING.includes(stage);
  if (monitoring.isError) return <Typography.Text type="secondary">{problemText(monitoring.error)}</Typography.Text>;
  const m = monitoring.data;
  return (
    <>
      {section(zh.monitoring.milestones)}
      <Milestones project={project} />

      {section(zh.monitoring.reports)}
      {hasRole(me, 'applicant') && DELIVERING.includes(stage) && (
        <Typography.Paragraph>
          <Link to={`/projects/${project.id}/report`}>{zh.project.reportPage}</Link>
        </Typography.Paragraph>
      )}
      <Table
        rowKey="period"
        size="small"
        pagination={false}
        loading={monitoring.isPending}
        dataSource={m?.reports ?? []}
        locale={{ emptyText: zh.monitoring.noReports }}
        scroll={{ x: 480 }}
        data-testid="reports"
        columns={[
          { title: zh.monitoring.period, dataIndex: 'period', render: (n: number) => fmt(zh.monitoring.periodN, { n }) },
          { title: zh.monitoring.summary, dataIndex: 'summary' },
          {
            title: zh.monitoring.progress,
            dataIndex: 'indicatorProgress',
            responsive: ['sm'],
            render: (p: { name: string; achieved: number }[]) => p.map((x) => `${x.name} ${x.achieved}`).join('，') || '—',
          },
          {
            title: zh.monitoring.submittedAt,
            dataIndex: 'submittedAt',
            render: (at: string, r) => (
              <Space size={4} wrap>
                {dayjs(at).format('YYYY-MM-DD')}
                {r.late ? <Tag color="orange">{zh.monitoring.late}</Tag> : <Tag color="green">{zh.monitoring.onTime}</Tag>}
              </Space>
            ),
          },
        ]}
      />

      {section(zh.monitoring.complaints)}
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={monitoring.isPending}
        dataSource={m?.complaints ?? []}
        locale={{ emptyText: zh.monitoring.noComplaints }}
        scroll={{ x: 360 }}
        data-testid="complaints"
        columns={[
          { title: zh.monitoring.receivedOn, dataIndex: 'receivedOn', width: 120 },
          { title: zh.monitoring.complaint, dataIndex: 'description' },
        ]}
      />
      {officer && <ComplaintForm project={project} />}

      {section(zh.monitoring.quarterly)}
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={monitoring.isPending}
        dataSource={m?.quarterlyReviews ?? []}
        locale={{ emptyText: zh.monitoring.noQuarterly }}
        scroll={{ x: 480 }}
        data-testid="quarterly-reviews"
        columns={[
          { title: zh.monitoring.quarter, dataIndex: 'quarter', render: (q: string) => quarterLabel(q) },
          { title: zh.monitoring.heldOn, dataIndex: 'heldOn' },
          { title: zh.monitoring.minutes, dataIndex: 'notes' },
          { title: zh.monitoring.attendees, dataIndex: 'attendees', responsive: ['sm'], render: (a: string[]) => a.join('、') || '—' },
        ]}
      />
      {officer && <QuarterlyForm project={project} />}
    </>
  );
}

/** Withdrawing a project before delivery: the applicant or an officer, with the reason, confirmed in a dialog. */
export function WithdrawButton({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const [form] = Form.useForm<{ reason: string }>();
  const stage = project.live?.stage ?? project.stage;
  if (!hasRole(me, 'applicant', 'officer') || !BEFORE_DELIVERY.includes(stage)) return null;
  const withdraw = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBanner(null);
    setBusy(true);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/withdraw', { params: { path: { id: project.id } }, body: { reason: v.reason } }));
      message.success(zh.monitoring.withdrawn);
      setOpen(false);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button danger onClick={() => setOpen(true)} data-testid="open-withdraw">
        {zh.monitoring.withdraw}
      </Button>
      <Modal
        open={open}
        title={zh.monitoring.withdraw}
        okText={zh.monitoring.confirmWithdraw}
        cancelText={zh.common.cancel}
        okButtonProps={{ danger: true, loading: busy, ...({ 'data-testid': 'withdraw' } as object) }}
        onOk={() => void withdraw()}
        onCancel={() => setOpen(false)}
        forceRender
      >
        <Typography.Paragraph type="secondary">{zh.monitoring.withdrawHint}</Typography.Paragraph>
        {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
        <Form form={form} layout="vertical">
          <Form.Item name="reason" label={zh.monitoring.withdrawReason} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
