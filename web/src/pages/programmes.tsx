import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Select, Space, Table, TreeSelect } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { answer, api } from '../api/client';
import type { Programme, RequestBody } from '../api/types';
import { label, zh } from '../i18n';
import { showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { regionPicker, regionTree, usePrograms, useRegions } from './library';

type NewProgramme = RequestBody<'/api/v1/programmes'>;
type Eligibility = NewProgramme['rules']['eligibility'];

interface Values {
  name: string;
  regionId: string;
  description?: string;
  eligibility: Pick<Eligibility, 'minGrade' | 'minStaff' | 'minCertifiedSocialWorkers' | 'minVolunteers'> & { budgetCap?: number };
  panelSize: number;
}

/** Form fields for rule pointers the API names (/body/rules/eligibility/minStaff ...). */
function toField(pointer: string): (string | number)[] | null {
  const m = pointer.match(/^\/body\/(name|regionId|description)$/);
  if (m) return [m[1]];
  if (pointer === '/body/rules/review/panelSize') return ['panelSize'];
  const e = pointer.match(/^\/body\/rules\/eligibility\/(\w+)$/);
  if (e) return ['eligibility', e[1] === 'budgetCapFen' ? 'budgetCap' : e[1]];
  return null;
}

/** The officer's programmes, and a new one from the default rules with its eligibility and panel edited here. */
export default function ProgrammesPage() {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const programmes = usePrograms();
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const isOfficer = hasRole(me, 'officer');
  // The default rules load when the officer opens the form, so the list renders on two calls.
  const [creating, setCreating] = useState(false);
  const defaults = useQuery({ queryKey: ['rule-defaults'], enabled: isOfficer && creating, staleTime: Infinity, queryFn: () => answer(api.GET('/api/v1/programme-rules/defaults')) });
  const regionName = useMemo(() => new Map((regions.data?.items ?? []).map((r) => [r.id, r.name])), [regions.data]);

  const onFinish = async (v: Values) => {
    if (!defaults.data) return;
    setBanner(null);
    // What the officer left empty keeps the default (a cleared number is null).
    const { budgetCap, minGrade, minStaff, minCertifiedSocialWorkers, minVolunteers } = v.eligibility ?? {};
    const eligibility: Eligibility = { ...defaults.data.eligibility };
    if (minGrade) eligibility.minGrade = minGrade;
    if (minStaff != null) eligibility.minStaff = minStaff;
    if (minCertifiedSocialWorkers != null) eligibility.minCertifiedSocialWorkers = minCertifiedSocialWorkers;
    if (minVolunteers != null) eligibility.minVolunteers = minVolunteers;
    if (budgetCap) eligibility.budgetCapFen = Math.round(budgetCap * 100);
    const body: NewProgramme = {
      name: v.name,
      regionId: v.regionId,
      description: v.description ?? null,
      rules: { ...defaults.data, eligibility, review: { ...defaults.data.review, panelSize: v.panelSize } },
    };
    try {
      await answer(api.POST('/api/v1/programmes', { body }));
      message.success(zh.programmes.created);
      form.resetFields();
      await queryClient.invalidateQueries({ queryKey: ['programmes'] });
    } catch (err) {
      setBanner(showProblem(form, err, toField));
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card title={zh.programmes.title}>
        <Table<Programme>
          rowKey="id"
          size="small"
          pagination={false}
          loading={programmes.isPending}
          dataSource={programmes.data?.items ?? []}
          locale={{ emptyText: zh.common.none }}
          scroll={{ x: 480 }}
          columns={[
            { title: zh.programmes.name, dataIndex: 'name' },
            { title: zh.programmes.region, dataIndex: 'regionId', render: (id: string) => regionName.get(id) ?? '' },
            { title: zh.programmes.status, dataIndex: 'status', render: (s: string) => label(zh.programmeStatus, s) },
            { title: zh.programmes.panelSize, render: (_: unknown, p) => p.rules.review.panelSize },
          ]}
        />
      </Card>
      {isOfficer && !creating && (
        <Button type="primary" onClick={() => setCreating(true)} data-testid="open-programme-form">
          {zh.programmes.create}
        </Button>
      )}
      {isOfficer && creating && (
        <Card title={zh.programmes.create} loading={defaults.isPending}>
          {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} data-testid="form-error" />}
          <Form
            form={form}
            layout="vertical"
            onFinish={onFinish}
            style={{ maxWidth: 640 }}
            initialValues={{ panelSize: defaults.data?.review.panelSize ?? 3, eligibility: { ...(defaults.data?.eligibility ?? {}), budgetCap: defaults.data?.eligibility.budgetCapFen ? defaults.data.eligibility.budgetCapFen / 100 : undefined } }}
          >
            <Form.Item name="name" label={zh.programmes.name} rules={[{ required: true, message: zh.common.required }]}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="regionId" label={zh.programmes.region} rules={[{ required: true, message: zh.common.required }]}>
              <TreeSelect {...regionPicker(tree)} />
            </Form.Item>
            <Form.Item name="description" label={zh.programmes.description}>
              <Input.TextArea rows={2} maxLength={5000} />
            </Form.Item>
            <Space wrap align="start">
              <Form.Item name={['eligibility', 'minGrade']} label={zh.programmes.minGrade}>
                <Select allowClear style={{ width: 100 }} options={['1A', '2A', '3A', '4A', '5A'].map((g) => ({ value: g, label: g }))} />
              </Form.Item>
              <Form.Item name={['eligibility', 'minStaff']} label={zh.programmes.minStaff}>
                <InputNumber min={0} precision={0} />
              </Form.Item>
              <Form.Item name={['eligibility', 'minCertifiedSocialWorkers']} label={zh.programmes.minCertified}>
                <InputNumber min={0} precision={0} />
              </Form.Item>
              <Form.Item name={['eligibility', 'minVolunteers']} label={zh.programmes.minVolunteers}>
                <InputNumber min={0} precision={0} />
              </Form.Item>
              <Form.Item name={['eligibility', 'budgetCap']} label={zh.programmes.maxAmount}>
                <InputNumber min={0} precision={2} style={{ width: 160 }} />
              </Form.Item>
              <Form.Item name="panelSize" label={zh.programmes.panelSize} rules={[{ required: true, message: zh.common.required }]}>
                <InputNumber min={1} max={50} precision={0} />
              </Form.Item>
            </Space>
            <div>
              <Button type="primary" htmlType="submit" data-testid="create-programme">
                {zh.programmes.create}
              </Button>
            </div>
          </Form>
        </Card>
      )}
    </Space>
  );
}
