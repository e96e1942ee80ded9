import { useEffect, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Space, Table, Tag, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import type { Indicator, ProjectDetail, SupervisionDimension, WeightedItem } from '../api/types';
import { fmt, label, yuan, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { criterionName } from '../lib/criteria';
import { EvaluatorCard, PersonName, readsPeople, SupervisorCard } from './project-assignments';

// The project page's delivery tabs: the agreement and its tranches, supervision visits, evaluations.

const refresh = (queryClient: ReturnType<typeof useQueryClient>, id: string) =>
  Promise.all(['project', 'delivery', 'tranches', 'monitoring', 'evaluations', 'timeline'].map((k) => queryClient.invalidateQueries({ queryKey: [k, id] })));

function useProgrammeRules(programmeId: string) {
  return useQuery({
    queryKey: ['programme', programmeId],
    queryFn: () => answer(api.GET('/api/v1/programmes/{id}', { params: { path: { id: programmeId } } })),
  });
}

interface AgreementValues {
  amount: number;
  startDate: Dayjs;
  endDate: Dayjs;
  tranches: { name: string; amount: number; releaseOn: Dayjs }[];
}

function agreementField(pointer: string): (string | number)[] | null {
  if (pointer === '/body/amountFen') return ['amount'];
  const t = pointer.match(/^\/body\/tranches\/(\d+)\/(name|amountFen|releaseOn)$/);
  if (t) return ['tranches', Number(t[1]), t[2] === 'amountFen' ? 'amount' : t[2]];
  if (pointer.startsWith('/body/tranches')) return ['amount'];
  const m = pointer.match(/^\/body\/(startDate|endDate)$/);
  return m ? [m[1]] : null;
}

/** The officer signs the agreement (amount, tranches that add up to it, start and end), which starts delivery. */
function AgreementForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<AgreementValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const amount = Form.useWatch('amount', form) ?? 0;
  const tranches = Form.useWatch('tranches', form) ?? [];
  const sum = tranches.reduce((a, t) => a + (Number(t?.amount) || 0), 0);
  const half = project.amountAskedFen / 200;
  const onFinish = async (v: AgreementValues) => {
    setBanner(null);
    const body = {
      amountFen: Math.round(v.amount * 100),
      startDate: v.startDate.format('YYYY-MM-DD'),
      endDate: v.endDate.format('YYYY-MM-DD'),
      tranches: v.tranches.map((t) => ({ name: t.name, amountFen: Math.round(t.amount * 100), releaseOn: t.releaseOn.format('YYYY-MM-DD') })),
    };
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/agreement', { params: { path: { id: project.id } }, body }));
      message.success(zh.delivery.signed);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, agreementField));
    }
  };
  return (
    <Card size="small" title={zh.delivery.sign}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} data-testid="form-error" />}
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        style={{ maxWidth: 640 }}
        initialValues={{
          amount: project.amountAskedFen / 100,
          startDate: dayjs(),
          endDate: dayjs().add(1, 'year'),
          tranches: [
            { name: '首期款', amount: half, releaseOn: dayjs() },
            { name: '尾款', amount: project.amountAskedFen / 100 - half, releaseOn: dayjs().add(1, 'year') },
          ],
        }}
      >
        <Space wrap align="start">
          <Form.Item name="amount" label={zh.delivery.amount} rules={[{ required: true, message: zh.common.required }]}>
            <InputNumber min={0.01} precision={2} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name="startDate" label={zh.delivery.startDate} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker />
          </Form.Item>
          <Form.Item name="endDate" label={zh.delivery.endDate} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker />
          </Form.Item>
        </Space>
        <Form.List name="tranches">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'name']} label={zh.delivery.trancheName} rules={[{ required: true, message: zh.common.required }]}>
                    <Input maxLength={100} style={{ width: 120 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'amount']} label={zh.delivery.trancheAmount} rules={[{ required: true, message: zh.common.required }]}>
                    <InputNumber min={0} precision={2} style={{ width: 140 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'releaseOn']} label={zh.delivery.releaseOn} rules={[{ required: true, message: zh.common.required }]}>
                    <DatePicker />
                  </Form.Item>
                  {fields.length > 1 && (
                    <Button type="link" onClick={() => remove(f.name)} style={{ marginTop: 30 }}>
                      {zh.common.remove}
                    </Button>
                  )}
                </Space>
              ))}
              <Button type="dashed" onClick={() => add({ name: '', amount: 0, releaseOn: dayjs().add(6, 'month') })} style={{ marginBottom: 12 }}>
                {zh.delivery.addTranche}
              </Button>
            </>
          )}
        </Form.List>
        <Typography.Paragraph type={Math.abs(sum - amount) < 0.005 ? 'success' : 'danger'} data-testid="tranche-sum">
          {fmt(zh.delivery.tranchesSum, { sum: yuan(Math.round(sum * 100)), total: yuan(Math.round(amount * 100)) })}
        </Typography.Paragraph>
        <Button type="primary" htmlType="submit" data-testid="sign-agreement">
          {zh.delivery.sign}
        </Button>
      </Form>
    </Card>
  );
}

function Tranches({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const id = project.id;
  const tranches = useQuery({ queryKey: ['tranches', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/tranches', { params: { path: { id } } })) });
  const [busy, setBusy] = useState<number | null>(null);
  const release = async (seq: number) => {
    setBusy(seq);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/tranches/{seq}/release', { params: { path: { id, seq } }, body: {} }));
      message.success(zh.delivery.releasedOk);
      await refresh(queryClient, id);
    } catch (err) {
      message.error(problemText(err));
    } finally {
      setBusy(null);
    }
  };
  const items = tranches.data?.items ?? [];
  const next = items.find((t) => t.releasedFen === null)?.seq;
  const officer = hasRole(me, 'officer');
  return (
    <>
      <Descriptions size="small" column={{ xs: 1, sm: 3 }} style={{ marginTop: 12 }}>
        <Descriptions.Item label={zh.delivery.agreed}>{yuan(tranches.data?.agreedFen ?? 0)}</Descriptions.Item>
        <Descriptions.Item label={zh.delivery.released}>
          <span data-testid="released-total">{yuan(tranches.data?.releasedFen ?? 0)}</span>
        </Descriptions.Item>
        {tranches.data?.finalGrade && <Descriptions.Item label={zh.delivery.finalGrade}>{label(zh.grades, tranches.data.finalGrade)}</Descriptions.Item>}
      </Descriptions>
      <Table
        rowKey="seq"
        size="small"
        pagination={false}
        loading={tranches.isPending}
        dataSource={items}
        scroll={{ x: 480 }}
        columns={[
          { title: zh.delivery.trancheName, dataIndex: 'name', render: (n: string, t) => (t.final && !n.includes(zh.delivery.final) ? `${n}（${zh.delivery.final}）` : n) },
          { title: zh.delivery.trancheAmount, dataIndex: 'agreedFen', render: (f: number) => yuan(f) },
          { title: zh.delivery.releaseOn, dataIndex: 'releaseOn' },
          {
            title: zh.delivery.status,
            dataIndex: 'releasedFen',
            render: (f: number | null, t) =>
              f === null ? (
                officer && t.seq === next && (!t.final || t.releasableFen !== null) ? (
                  <Button size="small" type="primary" loading={busy === t.seq} onClick={() => void release(t.seq)} data-testid={`release-${t.seq}`}>
                    {zh.delivery.release}
                  </Button>
                ) : (
                  <Tag>{zh.delivery.pending}</Tag>
                )
              ) : (
                <Tag color="green">{`${zh.delivery.released} ${yuan(f)}`}</Tag>
              ),
          },
        ]}
      />
    </>
  );
}

export function AgreementTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const id = project.id;
  const delivery = useQuery({ queryKey: ['delivery', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/delivery', { params: { path: { id } } })) });
  if (delivery.isError) return <Typography.Text type="secondary">{problemText(delivery.error)}</Typography.Text>;
  if (delivery.isPending) return <Card loading bordered={false} />;
  const a = delivery.data.agreement;
  const stage = project.live?.stage ?? project.stage;
  if (!a) {
    if (hasRole(me, 'officer') && stage === 'approved') return <AgreementForm project={project} />;
    return <Typography.Text type="secondary">{zh.delivery.noAgreement}</Typography.Text>;
  }
  return (
    <>
      <Descriptions size="small" column={{ xs: 1, sm: 2 }} bordered title={zh.delivery.agreement}>
        <Descriptions.Item label={zh.delivery.amount}>{yuan(a.amountFen)}</Descriptions.Item>
        <Descriptions.Item label={zh.delivery.signedAt}>{dayjs(a.signedAt).format('YYYY-MM-DD')}</Descriptions.Item>
        <Descriptions.Item label={zh.delivery.startDate}>{a.startDate}</Descriptions.Item>
        <Descriptions.Item label={zh.delivery.endDate}>{a.endDate}</Descriptions.Item>
      </Descriptions>
      <Tranches project={project} />
    </>
  );
}

/** Scores 0-100 per weighted item (supervision dimensions, evaluation indicators). */
function ScoreFields({ items, testid }: { items: WeightedItem[]; testid: string }) {
  return (
    <Space wrap align="start">
      {items.map((d) => (
        <Form.Item key={d.key} name={['scores', d.key]} label={`${criterionName(d)}（${d.weight}%）`} rules={[{ required: true, message: zh.common.required }]}>
          <InputNumber min={0} max={100} style={{ width: 120 }} data-testid={`${testid}-${d.key}`} />
        </Form.Item>
      ))}
    </Space>
  );
}

const scoreField = (pointer: string) => {
  const m = pointer.match(/^\/body\/(scores|overrides)\/(\w+)$/);
  if (m) return [m[1], m[2]];
  const f = pointer.match(/^\/body\/(\w+)$/);
  return f ? [f[1] === 'scores' ? 'notes' : f[1]] : null;
};

function VisitForm({ project, dimensions }: { project: ProjectDetail; dimensions: SupervisionDimension[] }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ visitedOn: Dayjs; scores: Record<string, number>; notes?: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { visitedOn: Dayjs; scores: Record<string, number>; notes?: string }) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/supervision-visits', { params: { path: { id: project.id } }, body: { visitedOn: v.visitedOn.format('YYYY-MM-DD'), scores: v.scores, notes: v.notes ?? '' } }));
      message.success(zh.supervision.recorded);
      form.resetFields();
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, scoreField));
    }
  };
  return (
    <Card size="small" title={zh.supervision.record} style={{ marginTop: 12 }}>
      <Typography.Paragraph type="secondary">{zh.supervision.scoreHint}</Typography.Paragraph>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ visitedOn: dayjs() }}>
        <Form.Item name="visitedOn" label={zh.supervision.visitedOn} rules={[{ required: true, message: zh.common.required }]}>
          <DatePicker />
        </Form.Item>
        <ScoreFields items={dimensions} testid="visit" />
        <Form.Item name="notes" label={zh.supervision.notes}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="record-visit">
          {zh.common.submit}
        </Button>
      </Form>
    </Card>
  );
}

export function SupervisionTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const id = project.id;
  const monitoring = useQuery({ queryKey: ['monitoring', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/monitoring', { params: { path: { id } } })) });
  const isSupervisor = hasRole(me, 'supervisor');
  const programme = useProgrammeRules(project.programmeId);
  const dimensions = programme.data?.rules.monitoring.supervisionDimensions ?? [];
  const names = new Map(dimensions.map((d) => [d.key, criterionName(d)]));
  if (monitoring.isError) return <Typography.Text type="secondary">{problemText(monitoring.error)}</Typography.Text>;
  return (
    <>
      <SupervisorCard project={project} />
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={monitoring.isPending}
        dataSource={monitoring.data?.supervisionVisits ?? []}
        locale={{ emptyText: zh.supervision.none }}
        scroll={{ x: 420 }}
        columns={[
          { title: zh.supervision.visitedOn, dataIndex: 'visitedOn' },
          { title: zh.supervision.index, dataIndex: 'supervisionIndex', render: (n: number) => <span data-testid="supervision-index">{n.toFixed(1)}</span> },
          {
            title: zh.review.total,
            dataIndex: 'scores',
            responsive: ['sm'],
            render: (s: Record<string, number>) => Object.entries(s).map(([k, v]) => `${names.get(k) ?? zh.common.other} ${v}`).join('，'),
          },
          { title: zh.supervision.notes, dataIndex: 'notes', render: (n: string | null) => n ?? '' },
        ]}
      />
      {isSupervisor && dimensions.length > 0 && ['delivery', 'rectification'].includes(project.live?.stage ?? project.stage) && <VisitForm project={project} dimensions={dimensions} />}
    </>
  );
}

function EvaluationForm({ project, kind, indicators }: { project: ProjectDetail; kind: 'mid_term' | 'final'; indicators: Indicator[] }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ scores: Record<string, number>; overrides?: Record<string, string>; comments: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  // The service loop's drawn figures (满意度, 服务覆盖面) fill their indicators; changing one needs a reason.
  const figures = useQuery({ queryKey: ['service-figures', project.id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/service-figures', { params: { path: { id: project.id } } })) });
  const drawn: Record<string, { score: number; basis: string }> = {};
  for (const i of indicators) {
    const f = figures.data;
    if (!f || !i.drawnFrom) continue;
    if (i.drawnFrom === 'satisfaction' && f.satisfaction.ratings > 0 && f.satisfaction.share !== null) {
      drawn[i.key] = { score: Math.min(100, Math.round(f.satisfaction.share * 100)), basis: fmt(zh.evaluation.drawnSatisfaction, { satisfied: f.satisfaction.satisfied, ratings: f.satisfaction.ratings }) };
    }
    if (i.drawnFrom === 'coverage' && f.coverage.residents > 0 && f.coverage.share !== null) {
      drawn[i.key] = { score: Math.min(100, Math.round(f.coverage.share * 100)), basis: fmt(zh.evaluation.drawnCoverage, { people: f.coverage.peopleServed, target: f.coverage.target ?? 0 }) };
    }
  }
  const drawnKey = JSON.stringify(drawn);
  useEffect(() => {
    for (const [key, d] of Object.entries(JSON.parse(drawnKey) as typeof drawn)) if (form.getFieldValue(['scores', key]) === undefined) form.setFieldValue(['scores', key], d.score);
  }, [drawnKey, form]);
  const onFinish = async (v: { scores: Record<string, number>; overrides?: Record<string, string>; comments: string }) => {
    setBanner(null);
    const overrides = Object.fromEntries(Object.entries(v.overrides ?? {}).filter(([, reason]) => reason?.trim()));
    try {
      const body = { scores: v.scores, comments: v.comments, ...(Object.keys(overrides).length ? { overrides } : {}) };
      await unwrap(api.PUT('/api/v1/projects/{id}/evaluations/{kind}', { params: { path: { id: project.id, kind } }, body }));
      message.success(zh.evaluation.submitted);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, scoreField));
    }
  };
  return (
    <Card size="small" title={`${zh.evaluation.submit}（${label(zh.evaluationKinds, kind)}）`} style={{ marginTop: 12 }}>
      <Typography.Paragraph type="secondary">{zh.evaluation.scoreHint}</Typography.Paragraph>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <ScoreFields items={indicators} testid="evaluation" />
        {Object.entries(drawn).map(([key, d]) => (
          <Form.Item key={key} name={['overrides', key]} label={`${criterionName({ key, name: indicators.find((i) => i.key === key)?.name ?? key })}：${zh.evaluation.overrideReason}`} extra={fmt(zh.evaluation.drawn, { score: d.score, basis: d.basis })}>
            <Input.TextArea rows={2} maxLength={2000} data-testid={`override-${key}`} />
          </Form.Item>
        ))}
        <Form.Item name="comments" label={zh.evaluation.comments} rules={[{ required: true, message: zh.common.required }]}>
          <Input.TextArea rows={3} maxLength={10000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="submit-evaluation">
          {zh.evaluation.submit}
        </Button>
      </Form>
    </Card>
  );
}

export function EvaluationTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const id = project.id;
  const evaluations = useQuery({ queryKey: ['evaluations', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/evaluations', { params: { path: { id } } })) });
  const mine = (evaluations.data?.items ?? []).find((e) => e.evaluatorId === me.id && e.submittedAt === null);
  const programme = useQuery({
    queryKey: ['programme', project.programmeId],
    enabled: Boolean(mine),
    queryFn: () => answer(api.GET('/api/v1/programmes/{id}', { params: { path: { id: project.programmeId } } })),
  });
  const indicators = programme.data?.rules.evaluation.indicators ?? [];
  if (evaluations.isError) return <Typography.Text type="secondary">{problemText(evaluations.error)}</Typography.Text>;
  return (
    <>
      <Table
        rowKey="kind"
        size="small"
        pagination={false}
        loading={evaluations.isPending}
        dataSource={evaluations.data?.items ?? []}
        locale={{ emptyText: zh.evaluation.none }}
        scroll={{ x: 480 }}
        columns={[
          { title: zh.evaluation.kind, dataIndex: 'kind', render: (k: string) => label(zh.evaluationKinds, k) },
          ...(readsPeople(me)
            ? [{ title: zh.evaluation.evaluator, dataIndex: 'evaluatorId', render: (e: string | null) => (e ? <PersonName role="evaluator" id={e} fallback={zh.evaluation.assignedSomeone} /> : '—') }]
            : []),
          { title: zh.evaluation.score, dataIndex: 'score', render: (s: number | null) => (s === null ? zh.evaluation.pending : s.toFixed(1)) },
          { title: zh.evaluation.grade, dataIndex: 'grade', render: (g: string | null) => (g ? <Tag data-testid="grade">{label(zh.grades, g)}</Tag> : '—') },
          {
            title: zh.evaluation.subsidy,
            dataIndex: 'subsidy',
            render: (s: { releaseFen: number; holdFen: number; clawbackFen: number } | null) =>
              s ? (
                <span data-testid="subsidy">{`${zh.evaluation.release} ${yuan(s.releaseFen)}，${zh.evaluation.hold} ${yuan(s.holdFen)}${s.clawbackFen ? `，${zh.evaluation.clawback} ${yuan(s.clawbackFen)}` : ''}`}</span>
              ) : (
                '—'
              ),
          },
        ]}
      />
      {mine && hasRole(me, 'evaluator') && indicators.length > 0 && <EvaluationForm project={project} kind={mine.kind} indicators={indicators} />}
      {evaluations.data && <EvaluatorCard project={project} submitted={evaluations.data.items.filter((e) => e.submittedAt !== null).map((e) => e.kind)} />}
    </>
  );
}
