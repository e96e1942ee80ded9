import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Form, Input, InputNumber, Select, Space, Table, Tabs, Tag, TreeSelect, Typography } from 'antd';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api } from '../api/client';
import type { paths } from '../api/schema';
import { label, zh } from '../i18n';
import { fieldPath, problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { regionPicker, regionTree, useRegions } from './library';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// 需求调研: the demand list of a region and below, the needs no live project answers (naming the projects that
// ended without delivering), the resource list (资源清单) beside it, and filing a community's survey with the needs
// it found or a unit's resource.

const loadDemand = (id: string) => allPages((cursor) => answer(api.GET('/api/v1/regions/{id}/demand-list', { params: { path: { id }, query: { limit: PAGE_MOST, cursor } } })));
const loadUnanswered = (id: string) => allPages((cursor) => answer(api.GET('/api/v1/regions/{id}/unanswered-needs', { params: { path: { id }, query: { limit: PAGE_MOST, cursor } } })));
type Need = Awaited<ReturnType<typeof loadDemand>>['items'][number];
type UnansweredNeed = Awaited<ReturnType<typeof loadUnanswered>>['items'][number];
type ResourceKind = NonNullable<NonNullable<paths['/api/v1/regions/{id}/resource-list']['get']['parameters']['query']>['kind']>;
const loadResources = (id: string, kind: ResourceKind | undefined, cursor: string | undefined) =>
  answer(api.GET('/api/v1/regions/{id}/resource-list', { params: { path: { id }, query: { limit: 50, ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) } } }));
type Resource = Awaited<ReturnType<typeof loadResources>>['items'][number];

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

const options = (table: Record<string, string>) => Object.entries(table).map(([value, text]) => ({ value, label: text }));

/** The resource list of a region and below, newest first, by kind; keyset pages loaded on demand. */
function ResourceList({ regionId, regionName }: { regionId: string; regionName: (id: string) => string }) {
  const [kind, setKind] = useState<ResourceKind | undefined>(undefined);
  const resources = useInfiniteQuery({
    queryKey: ['resources', regionId, kind ?? null],
    queryFn: ({ pageParam }) => loadResources(regionId, kind, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  if (resources.isError) return <Typography.Text type="secondary">{problemText(resources.error)}</Typography.Text>;
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        {zh.demand.resourceKind}
        <Select allowClear style={{ minWidth: 140 }} value={kind} onChange={(k) => setKind(k)} options={options(zh.resourceKinds)} placeholder={zh.common.all} aria-label={zh.demand.resourceKind} />
      </Space>
      <Table<Resource>
        rowKey="id"
        size="small"
        pagination={false}
        loading={resources.isPending}
        dataSource={(resources.data?.pages ?? []).flatMap((p) => p.items)}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 640 }}
        data-testid="resource-list"
        columns={[
          { title: zh.demand.unit, dataIndex: 'unit' },
          { title: zh.demand.resourceKind, dataIndex: 'kind', render: (k: string) => <Tag>{label(zh.resourceKinds, k)}</Tag> },
          { title: zh.demand.offer, dataIndex: 'offer' },
          { title: zh.demand.contact, dataIndex: 'contact', render: (c: string | null) => c || '—' },
          { title: zh.demand.resourceRegion, dataIndex: 'regionId', render: (id: string) => regionName(id) },
          { title: zh.demand.registeredOn, dataIndex: 'createdAt', render: (at: string) => dayjs(at).format('YYYY-MM-DD') },
        ]}
      />
      {resources.hasNextPage && (
        <Button style={{ marginTop: 8 }} loading={resources.isFetchingNextPage} onClick={() => void resources.fetchNextPage()}>
          {zh.demand.more}
        </Button>
      )}
    </>
  );
}

interface ResourceValues {
  regionId: string;
  unit: string;
  kind: ResourceKind;
  offer: string;
  contact?: string;
}

/** An officer adds a unit that can help to a region's resource list. */
function ResourceForm({ tree, regionId }: { tree: ReturnType<typeof regionTree>; regionId: string | undefined }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ResourceValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: ResourceValues) => {
    setBanner(null);
    try {
      const body = { unit: v.unit, kind: v.kind, offer: v.offer, ...(v.contact ? { contact: v.contact } : {}) };
      await answer(api.POST('/api/v1/regions/{id}/resources', { params: { path: { id: v.regionId } }, body }));
      message.success(zh.demand.resourceAdded);
      form.resetFields(['unit', 'offer', 'contact']);
      await queryClient.invalidateQueries({ queryKey: ['resources'] });
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p === '/params/id' ? ['regionId'] : fieldPath(p))));
    }
  };
  return (
    <Card size="small" title={zh.demand.addResource} style={{ marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ regionId, kind: 'venue' }} style={{ maxWidth: 960 }}>
        <Space wrap align="start">
          <Form.Item name="regionId" label={zh.demand.resourceRegion} tooltip={zh.demand.resourceRegionHint} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 220 }}>
            <TreeSelect {...regionPicker(tree)} />
          </Form.Item>
          <Form.Item name="unit" label={zh.demand.unit} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
            <Input maxLength={200} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="kind" label={zh.demand.resourceKind} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 120 }}>
            <Select options={options(zh.resourceKinds)} />
          </Form.Item>
          <Form.Item name="offer" label={zh.demand.offer} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
            <Input maxLength={5000} style={{ width: 260 }} />
          </Form.Item>
          <Form.Item name="contact" label={zh.demand.contact}>
            <Input maxLength={500} style={{ width: 200 }} />
          </Form.Item>
        </Space>
        <div>
          <Button type="primary" htmlType="submit" data-testid="add-resource">
            {zh.demand.addResource}
          </Button>
        </div>
      </Form>
    </Card>
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
  return (
    <Card size="small">
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ conductedOn: dayjs(), needs: [{ urgency: 'medium', source: 'grid_worker', peopleAffected: 1 }] }} style={{ maxWidth: 960 }}>
        <Space wrap align="start">
          <Form.Item name="title" label={zh.demand.surveyTitle} rules={[{ required: true, message: zh.common.required }]}>
            <Input maxLength={200} style={{ width: 240 }} />
          </Form.Item>
          <Form.Item name="regionId" label={zh.demand.community} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 220 }}>
            <TreeSelect {...regionPicker(tree)} />
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
  const regionName = (id: string) => regions.data?.items.find((r) => r.id === id)?.name ?? zh.common.none;
  return (
    <Card title={zh.demand.title}>
      <Space wrap style={{ marginBottom: 12 }}>
        {zh.demand.region}
        <TreeSelect
          {...regionPicker(tree)}
          // Until the regions arrive the value would show as its raw id.
          value={regions.data ? regionId : undefined}
          onChange={setChosen}
          loading={regions.isPending}
          style={{ minWidth: 220 }}
          placeholder={zh.demand.pickRegion}
          aria-label={zh.demand.region}
        />
      </Space>
      <Tabs
        destroyOnHidden
        items={[
          { key: 'demand', label: zh.demand.demandList, children: regionId ? <DemandList regionId={regionId} /> : null },
          { key: 'unanswered', label: zh.demand.unanswered, children: regionId ? <Unanswered regionId={regionId} /> : null },
          {
            key: 'resources',
            label: zh.demand.resourceList,
            children: (
              <>
                {regionId ? <ResourceList regionId={regionId} regionName={regionName} /> : null}
                {hasRole(me, 'officer') && <ResourceForm tree={tree} regionId={regionId} />}
              </>
            ),
          },
          ...(hasRole(me, 'officer') ? [{ key: 'survey', label: zh.demand.newSurvey, children: <SurveyForm tree={tree} /> }] : []),
        ]}
      />
    </Card>
  );
}
