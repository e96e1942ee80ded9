import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag, TreeSelect } from 'antd';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { answer, api } from '../api/client';
import type { paths } from '../api/schema';
import { label, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { regionPicker, regionTree, useRegions } from './library';
import { allPages, PAGE_MOST } from '../lib/all-pages';

type Json<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: { 200?: { content: { 'application/json': infer T } }; 201?: { content: { 'application/json': infer T } } } } ? T : never;
type User = Json<'/api/v1/users', 'get'>['items'][number];
type Organisation = Json<'/api/v1/organisations', 'get'>['items'][number];
type RegionRow = Json<'/api/v1/regions', 'get'>['items'][number];
type Role = User['roles'][number];

const ROLES: Role[] = ['admin', 'officer', 'organiser', 'reviewer', 'supervisor', 'evaluator', 'applicant', 'funder', 'dispatcher'];
const PAGE = 20;

/** Keyset paging: the cursors of the pages before this one. */
function useCursors() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    next: (c: string) => setCursors((x) => [...x, c]),
    prev: () => setCursors((x) => x.slice(0, -1)),
  };
}

function Pager({ page, nextCursor, onNext, onPrev }: { page: number; nextCursor: string | null | undefined; onNext: (c: string) => void; onPrev: () => void }) {
  return (
    <Space style={{ marginTop: 8 }}>
      <Button size="small" disabled={page <= 1} onClick={onPrev}>
        {zh.common.prev}
      </Button>
      <Button size="small" disabled={!nextCursor} onClick={() => nextCursor && onNext(nextCursor)} data-testid="next-page">
        {zh.common.next}
      </Button>
    </Space>
  );
}

function useOrganisations(enabled: boolean) {
  return useQuery({ queryKey: ['organisations', 'all'], enabled, staleTime: 60_000, queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/organisations', { params: { query: { limit: PAGE_MOST, cursor } } }))) });
}

const byField = (pointer: string) => {
  const m = pointer.match(/^\/body\/(\w+)/);
  return m ? [m[1]] : null;
};

interface UserValues {
  login: string;
  displayName: string;
  password?: string;
  roles: Role[];
  organisationId?: string | null;
  regionId?: string | null;
  disabled?: boolean;
}

function UserForm({ user, onDone }: { user: User | null; onDone: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<UserValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const organisations = useOrganisations(true);
  const regions = useRegions(true);
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const onFinish = async (v: UserValues) => {
    setBanner(null);
    try {
      const common = { displayName: v.displayName, roles: v.roles, organisationId: v.organisationId ?? null, regionId: v.regionId ?? null, disabled: Boolean(v.disabled) };
      if (user) await answer(api.PATCH('/api/v1/users/{id}', { params: { path: { id: user.id } }, body: { ...common, ...(v.password ? { password: v.password } : {}) } }));
      else await answer(api.POST('/api/v1/users', { body: { ...common, login: v.login, password: v.password ?? '' } }));
      message.success(zh.admin.userSaved);
      onDone();
    } catch (err) {
      setBanner(showProblem(form, err, byField));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={user ? { ...user, password: undefined } : { roles: [], disabled: false }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} data-testid="form-error" />}
      <Form.Item name="login" label={zh.admin.login} rules={[{ required: true, message: zh.common.required }]}>
        <Input disabled={Boolean(user)} maxLength={100} autoComplete="off" />
      </Form.Item>
      <Form.Item name="displayName" label={zh.admin.displayName} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="password" label={zh.admin.password} rules={user ? [] : [{ required: true, message: zh.common.required }]}>
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item name="roles" label={zh.admin.roles} rules={[{ required: true, message: zh.common.required }]}>
        <Select mode="multiple" options={ROLES.map((r) => ({ value: r, label: label(zh.roles, r) }))} />
      </Form.Item>
      <Form.Item name="organisationId" label={zh.admin.organisation}>
        <Select allowClear showSearch optionFilterProp="label" options={(organisations.data?.items ?? []).map((o) => ({ value: o.id, label: o.name }))} />
      </Form.Item>
      <Form.Item name="regionId" label={zh.admin.region}>
        <TreeSelect allowClear {...regionPicker(tree)} />
      </Form.Item>
      <Form.Item name="disabled" valuePropName="checked">
        <Checkbox>{zh.admin.disabled}</Checkbox>
      </Form.Item>
      <Button type="primary" htmlType="submit" data-testid="save-user">
        {zh.common.save}
      </Button>
    </Form>
  );
}

function UsersTab() {
  const queryClient = useQueryClient();
  const pages = useCursors();
  const [q, setQ] = useState<string | undefined>();
  const [editing, setEditing] = useState<User | null | undefined>(undefined);
  const users = useQuery({
    queryKey: ['users', pages.cursor, q],
    placeholderData: keepPreviousData,
    queryFn: () => answer(api.GET('/api/v1/users', { params: { query: { limit: PAGE, cursor: pages.cursor, q } } })),
  });
  const done = async () => {
    setEditing(undefined);
    await queryClient.invalidateQueries({ queryKey: ['users'] });
  };
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Input.Search allowClear placeholder={zh.admin.displayName} onSearch={(v) => setQ(v || undefined)} style={{ width: 200 }} />
        <Button type="primary" onClick={() => setEditing(null)} data-testid="new-user">
          {zh.admin.createUser}
        </Button>
      </Space>
      <Table<User>
        rowKey="id"
        size="small"
        pagination={false}
        loading={users.isPending}
        dataSource={users.data?.items ?? []}
        scroll={{ x: 420 }}
        columns={[
          { title: zh.admin.displayName, dataIndex: 'displayName' },
          { title: zh.admin.roles, dataIndex: 'roles', render: (r: Role[]) => r.map((x) => <Tag key={x}>{label(zh.roles, x)}</Tag>) },
          { title: zh.admin.state, dataIndex: 'disabled', render: (d: boolean) => (d ? <Tag color="red">{zh.admin.disabled}</Tag> : zh.admin.enabled) },
          { title: '', key: 'edit', render: (_: unknown, u) => <Button size="small" type="link" onClick={() => setEditing(u)}>{zh.admin.edit}</Button> },
        ]}
      />
      <Pager page={pages.page} nextCursor={users.data?.nextCursor} onNext={pages.next} onPrev={pages.prev} />
      <Modal open={editing !== undefined} title={editing ? zh.admin.editUser : zh.admin.createUser} footer={null} onCancel={() => setEditing(undefined)} destroyOnHidden>
        {editing !== undefined && <UserForm user={editing} onDone={() => void done()} />}
      </Modal>
    </>
  );
}

type OrgValues = Omit<Organisation, 'id' | 'createdAt' | 'updatedAt'>;

function OrganisationForm({ org, onDone }: { org: Organisation | null; onDone: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<OrgValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const regions = useRegions(true);
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const onFinish = async (v: OrgValues) => {
    setBanner(null);
    const body = { ...v, grade: v.grade ?? null, regionId: v.regionId ?? null, contact: v.contact || null };
    try {
      if (org) await answer(api.PATCH('/api/v1/organisations/{id}', { params: { path: { id: org.id } }, body }));
      else await answer(api.POST('/api/v1/organisations', { body }));
      message.success(zh.admin.orgSaved);
      onDone();
    } catch (err) {
      setBanner(showProblem(form, err, byField));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={org ?? { kind: 'social_work_organisation', staffCount: 0, certifiedSocialWorkerCount: 0, volunteerCount: 0 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} data-testid="form-error" />}
      <Form.Item name="name" label={zh.admin.orgName} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={200} />
      </Form.Item>
      <Form.Item name="kind" label={zh.admin.orgKind} rules={[{ required: true, message: zh.common.required }]}>
        <Select options={Object.entries(zh.organisationKinds).map(([value, text]) => ({ value, label: text }))} />
      </Form.Item>
      <Form.Item name="creditCode" label={zh.admin.creditCode} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={18} />
      </Form.Item>
      <Space wrap align="start">
        <Form.Item name="grade" label={zh.admin.grade}>
          <Select allowClear style={{ width: 100 }} options={['1A', '2A', '3A', '4A', '5A'].map((g) => ({ value: g, label: g }))} />
        </Form.Item>
        <Form.Item name="staffCount" label={zh.admin.staff}>
          <InputNumber min={0} precision={0} />
        </Form.Item>
        <Form.Item name="certifiedSocialWorkerCount" label={zh.admin.certified}>
          <InputNumber min={0} precision={0} />
        </Form.Item>
        <Form.Item name="volunteerCount" label={zh.admin.volunteers}>
          <InputNumber min={0} precision={0} />
        </Form.Item>
      </Space>
      <Form.Item name="regionId" label={zh.admin.region}>
        <TreeSelect allowClear {...regionPicker(tree)} />
      </Form.Item>
      <Form.Item name="contact" label={zh.admin.contact}>
        <Input maxLength={200} />
      </Form.Item>
      <Button type="primary" htmlType="submit" data-testid="save-organisation">
        {zh.common.save}
      </Button>
    </Form>
  );
}

function OrganisationsTab() {
  const queryClient = useQueryClient();
  const pages = useCursors();
  const [q, setQ] = useState<string | undefined>();
  const [editing, setEditing] = useState<Organisation | null | undefined>(undefined);
  const orgs = useQuery({
    queryKey: ['organisations', pages.cursor, q],
    placeholderData: keepPreviousData,
    queryFn: () => answer(api.GET('/api/v1/organisations', { params: { query: { limit: PAGE, cursor: pages.cursor, q } } })),
  });
  const done = async () => {
    setEditing(undefined);
    await queryClient.invalidateQueries({ queryKey: ['organisations'] });
  };
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <Input.Search allowClear placeholder={zh.admin.orgName} onSearch={(v) => setQ(v || undefined)} style={{ width: 200 }} />
        <Button type="primary" onClick={() => setEditing(null)} data-testid="new-organisation">
          {zh.admin.createOrg}
        </Button>
      </Space>
      <Table<Organisation>
        rowKey="id"
        size="small"
        pagination={false}
        loading={orgs.isPending}
        dataSource={orgs.data?.items ?? []}
        scroll={{ x: 420 }}
        columns={[
          { title: zh.admin.orgName, dataIndex: 'name' },
          { title: zh.admin.orgKind, dataIndex: 'kind', render: (k: string) => label(zh.organisationKinds, k) },
          { title: zh.admin.grade, dataIndex: 'grade', render: (g: string | null) => g ?? '—' },
          { title: zh.admin.staff, dataIndex: 'staffCount', responsive: ['sm'] },
          { title: '', key: 'edit', render: (_: unknown, o) => <Button size="small" type="link" onClick={() => setEditing(o)}>{zh.admin.edit}</Button> },
        ]}
      />
      <Pager page={pages.page} nextCursor={orgs.data?.nextCursor} onNext={pages.next} onPrev={pages.prev} />
      <Modal open={editing !== undefined} title={editing ? zh.admin.editOrg : zh.admin.createOrg} footer={null} onCancel={() => setEditing(undefined)} destroyOnHidden>
        {editing !== undefined && <OrganisationForm org={editing} onDone={() => void done()} />}
      </Modal>
    </>
  );
}

interface RegionValues {
  name: string;
  level: RegionRow['level'];
  parentId?: string | null;
  code?: string | null;
}

function RegionForm({ region, onDone }: { region: RegionRow | null; onDone: () => void }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<RegionValues>();
  const [banner, setBanner] = useState<string | null>(null);
  const regions = useRegions(!region);
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const onFinish = async (v: RegionValues) => {
    setBanner(null);
    try {
      if (region) await answer(api.PATCH('/api/v1/regions/{id}', { params: { path: { id: region.id } }, body: { name: v.name, code: v.code || null } }));
      else await answer(api.POST('/api/v1/regions', { body: { name: v.name, level: v.level, parentId: v.parentId ?? null, code: v.code || null } }));
      message.success(zh.admin.regionSaved);
      onDone();
    } catch (err) {
      setBanner(showProblem(form, err, byField));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={region ?? { level: 'community' }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} data-testid="form-error" />}
      <Form.Item name="name" label={zh.admin.regionName} rules={[{ required: true, message: zh.common.required }]}>
        <Input maxLength={100} />
      </Form.Item>
      <Form.Item name="level" label={zh.admin.level} rules={[{ required: true, message: zh.common.required }]}>
        <Select disabled={Boolean(region)} options={Object.entries(zh.regionLevels).map(([value, text]) => ({ value, label: text }))} />
      </Form.Item>
      {!region && (
        <Form.Item name="parentId" label={zh.admin.parent}>
          <TreeSelect allowClear {...regionPicker(tree)} />
        </Form.Item>
      )}
      <Button type="primary" htmlType="submit" data-testid="save-region">
        {zh.common.save}
      </Button>
    </Form>
  );
}

function RegionsTab() {
  const queryClient = useQueryClient();
  const pages = useCursors();
  const [editing, setEditing] = useState<RegionRow | null | undefined>(undefined);
  const regions = useQuery({
    queryKey: ['regions', 'page', pages.cursor],
    placeholderData: keepPreviousData,
    queryFn: () => answer(api.GET('/api/v1/regions', { params: { query: { limit: PAGE, cursor: pages.cursor } } })),
  });
  const done = async () => {
    setEditing(undefined);
    await queryClient.invalidateQueries({ queryKey: ['regions'] });
  };
  return (
    <>
      <Button type="primary" onClick={() => setEditing(null)} style={{ marginBottom: 8 }} data-testid="new-region">
        {zh.admin.createRegion}
      </Button>
      <Table<RegionRow>
        rowKey="id"
        size="small"
        pagination={false}
        loading={regions.isPending}
        dataSource={regions.data?.items ?? []}
        columns={[
          { title: zh.admin.regionName, dataIndex: 'name' },
          { title: zh.admin.level, dataIndex: 'level', render: (l: string) => label(zh.regionLevels, l) },
          { title: '', key: 'edit', render: (_: unknown, r) => <Button size="small" type="link" onClick={() => setEditing(r)}>{zh.admin.edit}</Button> },
        ]}
      />
      <Pager page={pages.page} nextCursor={regions.data?.nextCursor} onNext={pages.next} onPrev={pages.prev} />
      <Modal open={editing !== undefined} title={editing ? zh.admin.editRegion : zh.admin.createRegion} footer={null} onCancel={() => setEditing(undefined)} destroyOnHidden>
        {editing !== undefined && <RegionForm region={editing} onDone={() => void done()} />}
      </Modal>
    </>
  );
}

function AuditTab() {
  const pages = useCursors();
  const audit = useQuery({
    queryKey: ['audit', pages.cursor],
    placeholderData: keepPreviousData,
    queryFn: () => answer(api.GET('/api/v1/audit', { params: { query: { limit: PAGE, cursor: pages.cursor } } })),
  });
  // The actors' names: the first page of accounts (one more call), the rest shown as another account.
  const users = useQuery({ queryKey: ['users', 'names'], staleTime: 60_000, queryFn: () => answer(api.GET('/api/v1/users', { params: { query: { limit: 100 } } })) });
  const names = new Map((users.data?.items ?? []).map((u) => [u.id, u.displayName]));
  if (audit.isError) return <Alert type="error" title={problemText(audit.error)} />;
  return (
    <>
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={audit.isPending}
        dataSource={audit.data?.items ?? []}
        scroll={{ x: 420 }}
        data-testid="audit"
        columns={[
          { title: zh.admin.at, dataIndex: 'at', render: (d: string) => dayjs(d).format('YYYY-MM-DD HH:mm:ss') },
          { title: zh.admin.actor, dataIndex: 'actorId', render: (a: string | null) => (a ? (names.get(a) ?? zh.common.other) : zh.admin.system) },
          { title: zh.admin.action, dataIndex: 'action', render: (a: string) => zh.auditActions[a] ?? zh.common.other },
          { title: zh.admin.objectType, dataIndex: 'objectType', render: (o: string) => zh.auditObjects[o] ?? zh.common.other },
        ]}
      />
      <Pager page={pages.page} nextCursor={audit.data?.nextCursor} onNext={pages.next} onPrev={pages.prev} />
    </>
  );
}

/** 系统管理: users, organisations, regions and the audit log (admin). */
export default function AdminPage() {
  return (
    <Card title={zh.admin.title}>
      <Tabs
        destroyOnHidden
        items={[
          { key: 'users', label: zh.admin.users, children: <UsersTab /> },
          { key: 'organisations', label: zh.admin.organisations, children: <OrganisationsTab /> },
          { key: 'regions', label: zh.admin.regions, children: <RegionsTab /> },
          { key: 'audit', label: zh.admin.audit, children: <AuditTab /> },
        ]}
      />
    </Card>
  );
}
