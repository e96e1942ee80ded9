import { useMemo, useState } from 'react';
import { Button, Card, Form, Input, Select, Space, Table, Tag, TreeSelect } from 'antd';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs from 'dayjs';
import { answer, api } from '../api/client';
import type { Project, Region } from '../api/types';
import { projectsPage, type Filters } from './library-query';
import { fmt, label, yuan, zh } from '../i18n';
import { problemText } from '../lib/errors';
import { colourTag } from '../lib/tags';
import { allPages, PAGE_MOST } from '../lib/all-pages';

interface TreeNode {
  value: string;
  title: string;
  children: TreeNode[];
}

/** The region tree (市/区/镇街/村居) from the flat list. */
export function regionTree(regions: Region[]): TreeNode[] {
  const nodes = new Map(regions.map((r) => [r.id, { value: r.id, title: `${r.name}（${label(zh.regionLevels, r.level)}）`, children: [] as TreeNode[] }]));
  const roots: TreeNode[] = [];
  for (const r of regions) {
    const node = nodes.get(r.id)!;
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/** Below this many regions a picker opens with every level shown; above, down to the streets, and one types a name. */
const SMALL_TREE = 60;

/**
 * What every region picker shares: searchable by name (a city has a thousand communities, too many to scroll on a
 * phone), and opened with every level shown when the tree is small, down to the streets when it is not.
 */
export function regionPicker(tree: TreeNode[]) {
  let count = 0;
  const upper: string[] = [];
  const walk = (nodes: TreeNode[], depth: number) => {
    for (const n of nodes) {
      count++;
      if (depth < 2 && n.children.length) upper.push(n.value);
      walk(n.children, depth + 1);
    }
  };
  walk(tree, 0);
  return { treeData: tree, showSearch: { treeNodeFilterProp: 'title' }, ...(count <= SMALL_TREE ? { treeDefaultExpandAll: true } : { treeDefaultExpandedKeys: upper }) };
}

export function useRegions(enabled = true) {
  return useQuery({ queryKey: ['regions'], enabled, staleTime: 300_000, queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/regions', { params: { query: { limit: PAGE_MOST, cursor } } }))) });
}

export function usePrograms(enabled = true) {
  return useQuery({ queryKey: ['programmes'], enabled, staleTime: 60_000, queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/programmes', { params: { query: { limit: PAGE_MOST, cursor } } }))) });
}

const options = (table: Record<string, string>) => Object.entries(table).map(([value, text]) => ({ value, label: text }));

export default function LibraryPage() {
  const [filters, setFilters] = useState<Filters>({});
  // Keyset paging: the cursors of the pages before this one.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  // The filters' choices load when a filter is first opened: the first page of projects is the only call it waits on.
  const [wantRegions, setWantRegions] = useState(false);
  const [wantProgrammes, setWantProgrammes] = useState(false);
  const regions = useRegions(wantRegions);
  const programmes = usePrograms(wantProgrammes);
  const projects = useQuery({ ...projectsPage(filters, cursor), placeholderData: keepPreviousData });
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);

  const apply = (values: Filters) => {
    const clean = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))) as Filters;
    setFilters(clean);
    setCursors([undefined]);
  };

  return (
    <Card title={zh.library.title}>
      <Form layout="inline" onFinish={apply} style={{ rowGap: 8, marginBottom: 12 }}>
        <Form.Item name="regionId" label={zh.library.region}>
          <TreeSelect {...regionPicker(tree)} allowClear loading={regions.isFetching} onOpenChange={(open) => open && setWantRegions(true)} style={{ minWidth: 180 }} placeholder={zh.common.all} />
        </Form.Item>
        <Form.Item name="stage" label={zh.library.stage}>
          <Select mode="multiple" allowClear options={options(zh.stages)} style={{ minWidth: 160 }} placeholder={zh.common.all} />
        </Form.Item>
        <Form.Item name="colour" label={zh.library.colour}>
          <Select mode="multiple" allowClear options={options(zh.colours)} style={{ minWidth: 120 }} placeholder={zh.common.all} />
        </Form.Item>
        <Form.Item name="programmeId" label={zh.library.programme}>
          <Select allowClear loading={programmes.isFetching} onOpenChange={(open) => open && setWantProgrammes(true)} options={(programmes.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))} style={{ minWidth: 160 }} placeholder={zh.common.all} />
        </Form.Item>
        <Form.Item name="targetGroup" label={zh.library.targetGroup}>
          <Select allowClear options={options(zh.targetGroups)} style={{ minWidth: 120 }} placeholder={zh.common.all} />
        </Form.Item>
        <Form.Item name="q" label={zh.library.text}>
          <Input allowClear maxLength={100} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {zh.common.search}
        </Button>
      </Form>
      {projects.isError && <Tag color="red">{problemText(projects.error)}</Tag>}
      <Table<Project>
        rowKey="id"
        size="small"
        loading={projects.isFetching}
        dataSource={projects.data?.items ?? []}
        pagination={false}
        scroll={{ x: 640 }}
        locale={{ emptyText: zh.common.none }}
        columns={[
          { title: zh.library.text, dataIndex: 'title', render: (t: string, p) => <Link to={`/projects/${p.id}`}>{t}</Link> },
          { title: zh.library.stage, dataIndex: 'stage', render: (s: string) => label(zh.stages, s), width: 100 },
          { title: zh.library.colour, dataIndex: 'colour', render: colourTag, width: 80 },
          { title: zh.library.targetGroup, dataIndex: 'targetGroups', render: (g: string[]) => g.map((x) => label(zh.targetGroups, x)).join('、'), responsive: ['md'] },
          { title: zh.library.amount, dataIndex: 'amountAskedFen', align: 'right', render: (f: number) => `${yuan(f)} ${zh.common.yuan}`, width: 140 },
          { title: zh.library.updated, dataIndex: 'updatedAt', render: (t: string) => dayjs(t).format('YYYY-MM-DD'), responsive: ['md'], width: 110 },
        ]}
      />
      <Space style={{ marginTop: 12 }}>
        <Button disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          {zh.common.prev}
        </Button>
        <span>{fmt(zh.library.page, { n: cursors.length })}</span>
        <Button disabled={!projects.data?.nextCursor} onClick={() => setCursors([...cursors, projects.data!.nextCursor!])} data-testid="next-page">
          {zh.common.next}
        </Button>
      </Space>
    </Card>
  );
}
