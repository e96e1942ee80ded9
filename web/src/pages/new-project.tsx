import { useMemo, useState } from 'react';
import { Alert, Button, Card, DatePicker, Divider, Form, Input, InputNumber, Select, Space, TreeSelect, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { Dayjs } from 'dayjs';
import { answer, api } from '../api/client';
import type { RequestBody } from '../api/types';
import { fmt, label, yuan, zh } from '../i18n';
import { fieldPath, showProblem } from '../lib/errors';
import { regionPicker, regionTree, usePrograms, useRegions } from './library';
import { allPages, PAGE_MOST } from '../lib/all-pages';

type NewProject = RequestBody<'/api/v1/programmes/{id}/projects'>;
type Proposal = NewProject['proposal'];

/** The form holds yuan (what people type); the API takes integer fen. */
interface Values {
  programmeId: string;
  title: string;
  summary?: string;
  regionId: string;
  needIds: string[];
  proposal: {
    targetGroups: Proposal['targetGroups'];
    objectives: Proposal['objectives'];
    milestones: { name: string; due: Dayjs }[];
    team: Proposal['team'];
    budgetLines: { item: string; amount: number }[];
    amountAsked: number;
    coFunding: number;
  };
}

const toFen = (yuanAmount: number | null | undefined): number => Math.round((yuanAmount ?? 0) * 100);

/** API field pointers to this form's fields: fen amounts are typed in yuan here. */
function toField(pointer: string): (string | number)[] | null {
  if (pointer.startsWith('/params/id')) return ['programmeId'];
  const path = fieldPath(pointer);
  if (!path) return null;
  const last = path[path.length - 1];
  if (last === 'amountFen') path[path.length - 1] = 'amount';
  if (last === 'amountAskedFen') path[path.length - 1] = 'amountAsked';
  if (last === 'coFundingFen') path[path.length - 1] = 'coFunding';
  return path;
}

function BudgetSum() {
  const form = Form.useFormInstance<Values>();
  const lines = Form.useWatch(['proposal', 'budgetLines'], form) ?? [];
  const asked = Form.useWatch(['proposal', 'amountAsked'], form);
  const co = Form.useWatch(['proposal', 'coFunding'], form);
  const sum = lines.reduce((s, l) => s + toFen(l?.amount), 0);
  const total = toFen(asked) + toFen(co);
  const ok = sum === total && total > 0;
  return (
    <Alert
      data-testid="budget-sum"
      type={ok ? 'success' : 'warning'}
      showIcon
      title={`${fmt(zh.create.budgetSum, { sum: yuan(sum), total: yuan(total) })}：${ok ? zh.create.budgetOk : fmt(zh.create.budgetOff, { diff: yuan(Math.abs(sum - total)) })}`}
    />
  );
}

export default function NewProjectPage() {
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const programmes = usePrograms();
  const regions = useRegions();
  const regionId = Form.useWatch('regionId', form);
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const needs = useQuery({
    queryKey: ['needs', regionId],
    enabled: Boolean(regionId),
    queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/regions/{id}/unanswered-needs', { params: { path: { id: regionId! }, query: { limit: PAGE_MOST, cursor } } }))),
  });

  const onFinish = async (v: Values) => {
    setBusy(true);
    setBanner(null);
    try {
      const proposal: Proposal = {
        targetGroups: v.proposal.targetGroups,
        objectives: v.proposal.objectives,
        milestones: (v.proposal.milestones ?? []).map((m) => ({ name: m.name, due: m.due.format('YYYY-MM-DD') })),
        team: v.proposal.team,
        budgetLines: v.proposal.budgetLines.map((l) => ({ item: l.item, amountFen: toFen(l.amount) })),
        amountAskedFen: toFen(v.proposal.amountAsked),
        coFundingFen: toFen(v.proposal.coFunding),
      };
      const body: NewProject = { title: v.title, summary: v.summary ?? '', regionId: v.regionId, needIds: v.needIds, proposal };
      const created = await answer(api.POST('/api/v1/programmes/{id}/projects', { params: { path: { id: v.programmeId } }, body }));
      navigate(`/projects/${created.id}`);
    } catch (err) {
      setBanner(showProblem(form, err, toField));
    } finally {
      setBusy(false);
    }
  };

  const required = [{ required: true, message: zh.common.required }];
  return (
    <Card title={zh.create.title}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} data-testid="form-error" />}
      <Form
        form={form}
        layout="vertical"
        onFinish={onFinish}
        scrollToFirstError
        initialValues={{
          needIds: [],
          proposal: {
            targetGroups: [],
            objectives: [{ description: '', indicators: [{ name: '', unit: '', target: undefined }] }],
            milestones: [],
            budgetLines: [{ item: '', amount: undefined }],
            coFunding: 0,
          },
        }}
      >
        <Form.Item name="programmeId" label={zh.create.programme} rules={required}>
          <Select options={(programmes.data?.items ?? []).filter((p) => p.status === 'open').map((p) => ({ value: p.id, label: p.name }))} />
        </Form.Item>
        <Form.Item name="title" label={zh.create.projectTitle} rules={required}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="summary" label={zh.create.summary}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Form.Item name="regionId" label={zh.create.region} rules={required}>
          <TreeSelect {...regionPicker(tree)} onChange={() => form.setFieldValue('needIds', [])} />
        </Form.Item>
        <Form.Item name="needIds" label={zh.create.needs} rules={required} extra={zh.create.needsHint}>
          <Select
            mode="multiple"
            loading={needs.isFetching}
            options={(needs.data?.items ?? []).map((n) => ({ value: n.id, label: `${n.category}：${n.description}（${label(zh.targetGroups, n.targetGroup)}）` }))}
          />
        </Form.Item>
        <Form.Item name={['proposal', 'targetGroups']} label={zh.create.targetGroups} rules={required}>
          <Select mode="multiple" options={Object.entries(zh.targetGroups).map(([value, text]) => ({ value, label: text }))} />
        </Form.Item>

        <Divider titlePlacement="start">{zh.project.objectives}</Divider>
        <Form.List name={['proposal', 'objectives']}>
          {(objectives) =>
            objectives.map((o) => (
              <div key={o.key}>
                <Form.Item name={[o.name, 'description']} label={zh.create.objective} rules={required}>
                  <Input.TextArea rows={2} maxLength={2000} />
                </Form.Item>
                <Form.List name={[o.name, 'indicators']}>
                  {(indicators, { add, remove }) => (
                    <>
                      {indicators.map((x) => (
                        <Space key={x.key} wrap align="start">
                          <Form.Item name={[x.name, 'name']} label={zh.create.indicator} rules={required}>
                            <Input maxLength={200} />
                          </Form.Item>
                          <Form.Item name={[x.name, 'unit']} label={zh.create.unit} rules={required}>
                            <Input maxLength={40} style={{ width: 90 }} />
                          </Form.Item>
                          <Form.Item name={[x.name, 'target']} label={zh.create.target} rules={required}>
                            <InputNumber min={0} style={{ width: 110 }} />
                          </Form.Item>
                          {indicators.length > 1 && <MinusCircleOutlined onClick={() => remove(x.name)} aria-label={zh.common.remove} />}
                        </Space>
                      ))}
                      <Button type="dashed" onClick={() => add({ name: '', unit: '', target: undefined })} icon={<PlusOutlined />}>
                        {zh.create.addIndicator}
                      </Button>
                    </>
                  )}
                </Form.List>
              </div>
            ))
          }
        </Form.List>

        <Divider titlePlacement="start">{zh.create.milestone}</Divider>
        <Form.List name={['proposal', 'milestones']}>
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'name']} label={zh.create.milestone} rules={required}>
                    <Input maxLength={200} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'due']} label={zh.create.milestoneDue} rules={required}>
                    <DatePicker />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} aria-label={zh.common.remove} />
                </Space>
              ))}
              <Button type="dashed" onClick={() => add()} icon={<PlusOutlined />}>
                {zh.create.addMilestone}
              </Button>
            </>
          )}
        </Form.List>

        <Divider titlePlacement="start">{zh.project.team}</Divider>
        <Space wrap align="start">
          <Form.Item name={['proposal', 'team', 'staff']} label={zh.create.staff} rules={required}>
            <InputNumber min={0} precision={0} />
          </Form.Item>
          <Form.Item name={['proposal', 'team', 'certifiedSocialWorkers']} label={zh.create.certified} rules={required}>
            <InputNumber min={0} precision={0} />
          </Form.Item>
          <Form.Item name={['proposal', 'team', 'volunteers']} label={zh.create.volunteers} rules={required}>
            <InputNumber min={0} precision={0} />
          </Form.Item>
          <Form.Item name={['proposal', 'team', 'lead']} label={zh.create.lead} rules={required}>
            <Input maxLength={200} />
          </Form.Item>
        </Space>

        <Divider titlePlacement="start">{zh.create.budgetLines}</Divider>
        <Space wrap align="start">
          <Form.Item name={['proposal', 'amountAsked']} label={zh.create.amountAsked} rules={required}>
            <InputNumber min={0} precision={2} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item name={['proposal', 'coFunding']} label={zh.create.coFunding} rules={required}>
            <InputNumber min={0} precision={2} style={{ width: 160 }} />
          </Form.Item>
        </Space>
        <Form.List name={['proposal', 'budgetLines']}>
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((f) => (
                <Space key={f.key} wrap align="start">
                  <Form.Item name={[f.name, 'item']} label={zh.create.budgetItem} rules={required}>
                    <Input maxLength={200} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'amount']} label={zh.create.budgetAmount} rules={required}>
                    <InputNumber min={0} precision={2} style={{ width: 160 }} />
                  </Form.Item>
                  {fields.length > 1 && <MinusCircleOutlined onClick={() => remove(f.name)} aria-label={zh.common.remove} />}
                </Space>
              ))}
              <Form.ErrorList errors={errors} />
              <Button type="dashed" onClick={() => add({ item: '', amount: undefined })} icon={<PlusOutlined />} style={{ marginBottom: 12 }}>
                {zh.create.addLine}
              </Button>
            </>
          )}
        </Form.List>
        <BudgetSum />
        <Typography.Paragraph />
        <Button type="primary" htmlType="submit" loading={busy} data-testid="create-project">
          {zh.create.submit}
        </Button>
      </Form>
    </Card>
  );
}
