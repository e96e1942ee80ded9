import { useState } from 'react';
import { Alert, App, Button, Empty, Form, Input, InputNumber, Select, Table, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import type { ProjectDetail } from '../api/types';
import { label, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// 服务清单 tab of the project page: the services a project in delivery offers residents, and the applicant's form to add one.

const loadMenu = (id: string) => answer(api.GET('/api/v1/projects/{id}/service-menu', { params: { path: { id } } }));
type MenuItem = Awaited<ReturnType<typeof loadMenu>>['items'][number];

interface MenuValues {
  name: string;
  category: string;
  targetGroups?: string[];
  communityIds?: string[];
  capacityPerWeek: number;
  skills?: string[];
}

function menuField(pointer: string): (string | number)[] | null {
  const m = pointer.match(/^\/body\/(name|category|capacityPerWeek|targetGroups|communityIds|skills)(\/|$)/);
  return m ? [m[1]] : null;
}

function MenuForm({ project }: { project: ProjectDetail }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<MenuValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const communities = useQuery({
    queryKey: ['regions', 'communities', project.regionId],
    staleTime: 300_000,
    queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/regions', { params: { query: { within: project.regionId, level: 'community', limit: PAGE_MOST, cursor } } }))),
  });
  const onFinish = async (v: MenuValues) => {
    setBanner(null);
    try {
      await answer(
        api.POST('/api/v1/projects/{id}/service-menu', {
          params: { path: { id: project.id } },
          body: { name: v.name, category: v.category, targetGroups: v.targetGroups ?? [], communityIds: v.communityIds ?? [], capacityPerWeek: v.capacityPerWeek, skills: v.skills ?? [] },
        }),
      );
      message.success(zh.serviceMenu.added);
      form.resetFields();
      await queryClient.invalidateQueries({ queryKey: ['service-menu', project.id] });
    } catch (err) {
      setBanner(showProblem(form, err, menuField));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560, marginTop: 16 }} data-testid="menu-form">
      <Typography.Title level={5}>{zh.serviceMenu.add}</Typography.Title>
      <Form.Item name="name" label={zh.serviceMenu.name} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item name="category" label={zh.serviceMenu.category} extra={zh.serviceMenu.categoryHint} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={60} />
      </Form.Item>
      <Form.Item name="targetGroups" label={zh.serviceMenu.targetGroups}>
        <Select mode="multiple" options={Object.entries(zh.targetGroups).map(([value, text]) => ({ value, label: text }))} />
      </Form.Item>
      <Form.Item name="communityIds" label={zh.serviceMenu.communities} rules={[{ required: true, message: zh.common.required }]}>
        <Select
          mode="multiple"
          loading={communities.isPending}
          notFoundContent={zh.serviceMenu.noCommunities}
          optionFilterProp="label"
          options={(communities.data?.items ?? []).map((r) => ({ value: r.id, label: r.name }))}
        />
      </Form.Item>
      <Form.Item name="capacityPerWeek" label={zh.serviceMenu.capacity} rules={[{ required: true, message: zh.common.required }]}>
        <InputNumber min={1} max={10000} precision={0} inputMode="numeric" />
      </Form.Item>
      <Form.Item name="skills" label={zh.serviceMenu.skills} extra={zh.serviceMenu.skillsHint}>
        <Select mode="tags" tokenSeparators={[',', '，', '、']} />
      </Form.Item>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Button type="primary" htmlType="submit" data-testid="add-menu-item">
        {zh.serviceMenu.submit}
      </Button>
    </Form>
  );
}

/** The project's service menu; its applicant organisation adds items while the project is in delivery or rectification. */
export function ServiceMenuTab({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const menu = useQuery({ queryKey: ['service-menu', project.id], queryFn: () => loadMenu(project.id) });
  const stage = project.live?.stage ?? project.stage;
  const edits = hasRole(me, 'applicant') && me.organisation?.id === project.organisationId && ['delivery', 'rectification'].includes(stage);
  if (menu.isError) return <Typography.Text type="secondary">{problemText(menu.error)}</Typography.Text>;
  return (
    <>
      <Table<MenuItem>
        rowKey="id"
        size="small"
        pagination={false}
        loading={menu.isPending}
        dataSource={menu.data?.items ?? []}
        locale={{ emptyText: <Empty description={zh.serviceMenu.empty} /> }}
        scroll={{ x: 560 }}
        data-testid="service-menu"
        columns={[
          { title: zh.serviceMenu.name, dataIndex: 'name' },
          { title: zh.serviceMenu.category, dataIndex: 'category' },
          { title: zh.serviceMenu.targetGroups, dataIndex: 'targetGroups', render: (g: string[]) => (g.length ? g.map((x) => label(zh.targetGroups, x)).join('、') : zh.common.none) },
          { title: zh.serviceMenu.capacity, dataIndex: 'capacityPerWeek' },
          { title: zh.serviceMenu.skills, dataIndex: 'skills', render: (s: string[]) => (s.length ? s.join('、') : zh.common.none) },
        ]}
      />
      {edits ? <MenuForm project={project} /> : null}
    </>
  );
}
