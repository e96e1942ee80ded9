import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Form, Input, InputNumber, Select, Space, Table, Tabs, Tag, TreeSelect, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api } from '../api/client';
import { label, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { regionTree, useRegions } from './library';

// 需求调研: the demand list of a region and below, the needs no live project answers (naming the projects that
// ended without delivering), and filing a community's survey with the needs it found.

const loadDemand = (id: string) => answer(api.GET('/api/v1/regions/{id}/demand-list', { params: { path: { id }, query: { limit: 100 } } }));
const loadUnanswered = (id: string) => answer(api.GET('/api/v1/regions/{id}/unanswered-needs', { params: { path: { id }, query: { limit: 100 } } }));
type Need = Awaited<ReturnType<typeof loadDemand>>['items'][number];
type UnansweredNeed = Awaited<ReturnType<typeof loadUnanswered>>['items'][number];

const needColumns = [
  { title: zh.demand.category, dataIndex: 'category' },
  { title: zh.demand.description, dataIndex: 'description' },
  { title: zh.demand.targetGroup, dataIndex: 'targetGroup', render: (g: string) => label(zh.targetGroups, g) },
  { title: zh.demand.people, dataIndex: 'peopleAffected' },
  { title: zh.demand.urgency, dataIndex: 'urgency', render: (u: string) => <Tag color={u === 'critical' || u === 'high' ? 'red' : undefined}>{label(zh.urgencies, u)}</Tag> },
  { title: zh.demand.source, dataIndex: 'source', render: (s: string) => label(zh.needSources, s) },
];

function DemandList({ regionId }: { regionId: string }) {
  const needs = useQuery({ queryKey: ['demand', regionId], queryFn: () => loadDemand(regionId) });
  if (needs.isError) return <Typography.Text type="secondary">{problemText(needs.error)}</Typography.Text>;
  return <Table<Need> rowKey="id" size="small" pagination={false} loading={needs.isPending} dataSource={needs.data?.items ?? []} locale={{ emptyText: zh.common.none }} scroll={{ x: 640 }} columns={needColumns} data-testid="demand-list" />;
}

function Unanswered({ regionId }: { regionId: string }) {
  const needs = useQuery({ queryKey: ['unanswered', regionId], queryFn: () => loadUnanswered(regionId) });
  if (needs.isError) return <Typography.Text type="secondary">{problemText(needs.error)}</Typography.Text>;
  return (
    <Table<UnansweredNeed>
      rowKey="id"
      size="small"
      pagination={false}
      loading={needs.isPending}
      dataSource={needs.data?.items ?? []}
      locale={{ emptyText: zh.common.none }}
      scroll={{ x: 720 }}
      data-testid="unanswered"
      columns={[
        ...needColumns.slice(0, 5),
        {
          title: zh.demand.endedProjects,
          dataIndex: 'endedProjects',
          render: (ended: UnansweredNeed['endedProjects']) =>
            ended.length ? (
              <Space direction="vertical" size={0}>
                {ended.map((p) => (
                  <span key={p.id} data-testid="ended-project">
                    <Link to={`/projects/${p.id}`}>{p.title}</Link>（{label(zh.endedAs, p.endedAs)}）
                  </span>
                ))}
              </Space>
            ) : (
              <Typography.Text type="secondary">{zh.demand.neverAnswered}</Typography.Text>
            ),
        },
      ]}
    />
  );
}

interface SurveyValues {
  regionId: string;
  title: string;
  conductedOn: Dayjs;
  needs: { category: string; description: string; targetGroup: string; peopleAffected: number; urgency: string; source: string }[];
}

function SurveyForm({ tree }: { tree: ReturnType<typeof regionTree> }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<SurveyValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: SurveyValues) => {
    setBanner(null);
    try {
      await answer(
        api.POST('/api/v1/surveys', {
          body: {
            regionId: v.regionId,
            title: v.title,
            conductedOn: v.conductedOn.format('YYYY-MM-DD'),
            needs: (v.needs ?? []).map((n) => ({ ...n, targetGroup: n.targetGroup as never, urgency: n.urgency as never, source: n.source as never })),
          },
        }),
      );
      message.success(zh.demand.filed);
      form.resetFields();
      await queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'demand' || q.queryKey[0] === 'unanswered' });
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  const options = (table: Record<string, string>) => Object.entries(table).map(([value, text]) => ({ value, label: text }));
  return (
    <Card size="small">
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ conductedOn: dayjs(), needs: [{ urgency: 'medium', source: 'grid_worker', peopleAffected: 1 }] }} style={{ maxWidth: 960 }}>
        <Space wrap align="start">
          <Form.Item name="title" label={zh.demand.surveyTitle} rules={[{ required: true, message: zh.common.required }]}>
            <Input maxLength={200} style={{ width: 240 }} />
          </Form.Item>
          <Form.Item name="regionId" label={zh.demand.community} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 220 }}>
            <TreeSelect treeData={tree} treeDefaultExpandAll />
          </Form.Item>
          <Form.Item name="conductedOn" label={zh.demand.conductedOn} rules={[{ required: true, message: zh.common.required }]}>
            <DatePicker />
          </Form.Item>
        </Space>
        <Typography.Text strong>{zh.demand.needs}</Typography.Text>
        <Form.List name="needs">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'category']} label={zh.demand.category} rules={[{ required: true, message: zh.common.required }]}>
                    <Input maxLength={100} style={{ width: 140 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'description']} label={zh.demand.description} rules={[{ required: true, message: zh.common.required }]}>
                    <Input maxLength={5000} style={{ width: 220 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'targetGroup']} label={zh.demand.targetGroup} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 140 }}>
                    <Select options={options(zh.targetGroups)} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'peopleAffected']} label={zh.demand.people} rules={[{ required: true, message: zh.common.required }]}>
                    <InputNumber min={1} max={1000000} precision={0} style={{ width: 100 }} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'urgency']} label={zh.demand.urgency} style={{ minWidth: 110 }}>
                    <Select options={options(zh.urgencies)} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'source']} label={zh.demand.source} style={{ minWidth: 120 }}>
                    <Select options={options(zh.needSources)} />
                  </Form.Item>
                  <Button type="link" onClick={() => remove(f.name)} style={{ marginTop: 30 }}>
                    {zh.common.remove}
                  </Button>
                </Space>
              ))}
              <div>
                <Button type="dashed" onClick={() => add({ urgency: 'medium', source: 'grid_worker', peopleAffected: 1 })} style={{ margin: '8px 0 12px' }}>
                  {zh.demand.addNeed}
                </Button>
              </div>
            </>
          )}
        </Form.List>
        <Button type="primary" htmlType="submit" data-testid="file-survey">
          {zh.demand.newSurvey}
        </Button>
      </Form>
    </Card>
  );
}

export default function DemandPage() {
  const me = useMe();
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const regionId = chosen ?? me.region?.id ?? regions.data?.items.find((r) => r.parentId === null)?.id;
  return (
    <Card title={zh.demand.title}>
      <Space wrap style={{ marginBottom: 12 }}>
        {zh.demand.region}
        <TreeSelect
          treeData={tree}
          value={regionId}
          onChange={setChosen}
          loading={regions.isPending}
          style={{ minWidth: 220 }}
          treeDefaultExpandAll={tree.length < 30}
          placeholder={zh.demand.pickRegion}
          aria-label={zh.demand.region}
        />
      </Space>
      <Tabs
        destroyOnHidden
        items={[
          { key: 'demand', label: zh.demand.demandList, children: regionId ? <DemandList regionId={regionId} /> : null },
          { key: 'unanswered', label: zh.demand.unanswered, children: regionId ? <Unanswered regionId={regionId} /> : null },
          ...(hasRole(me, 'officer') ? [{ key: 'survey', label: zh.demand.newSurvey, children: <SurveyForm tree={tree} /> }] : []),
        ]}
      />
    </Card>
  );
}
