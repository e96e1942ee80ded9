import { useState } from 'react';
import { Alert, App, Button, Card, Form, Radio, Space, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { ProjectDetail } from '../api/types';
import { label, zh } from '../i18n';
import { showProblem } from '../lib/errors';
import { PersonSelect, usePersonName, type PersonRole } from '../lib/person-select';
import { hasRole, useMe } from '../session';

// The officer's assignments on the project page: the supervisor (督导) on the supervision tab, the evaluator of the
// mid-term or final evaluation on the evaluation tab. A refusal (from the applicant organisation, a declared
// conflict, not an enabled account of the role) is shown under the person field.

const ENDED = ['closed', 'rejected', 'withdrawn', 'terminated'];

const refresh = (queryClient: ReturnType<typeof useQueryClient>, id: string) =>
  Promise.all([
    ...['project', 'monitoring', 'evaluations', 'timeline'].map((k) => queryClient.invalidateQueries({ queryKey: [k, id] })),
    queryClient.invalidateQueries({ queryKey: ['tasks'] }),
  ]);

/** Who may read names from the people directory (GET /api/v1/people). */
export const readsPeople = (me: ReturnType<typeof useMe>) => hasRole(me, 'officer', 'organiser', 'admin');

/** A person's name (and organisation) for those who may read the people directory; "assigned" when not found. */
export function PersonName({ role, id, fallback }: { role: PersonRole; id: string; fallback: string }) {
  return <>{usePersonName(role, id) ?? fallback}</>;
}

const field = (name: string) => (pointer: string) => (pointer === `/body/${name}` ? [name] : null);

/** The supervisor now and, for the officer over the project, assigning or replacing them. */
export function SupervisorCard({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ supervisorId: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const officer = hasRole(me, 'officer');
  const current = usePersonName('supervisor', readsPeople(me) ? project.supervisorId : null);
  const stage = project.live?.stage ?? project.stage;
  if (!readsPeople(me)) return null;
  const onFinish = async (v: { supervisorId: string }) => {
    setBanner(null);
    setBusy(true);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/supervisor', { params: { path: { id: project.id } }, body: { supervisorId: v.supervisorId } }));
      message.success(zh.supervision.assignedOk);
      form.resetFields();
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, field('supervisorId')));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" style={{ marginBottom: 12 }}>
      <Typography.Paragraph>
        {`${zh.supervision.supervisor}：`}
        <span data-testid="supervisor-name">{project.supervisorId ? (current ?? zh.supervision.assignedSomeone) : zh.supervision.notAssigned}</span>
      </Typography.Paragraph>
      {officer && !ENDED.includes(stage) && (
        <>
          {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
          <Form form={form} layout="vertical" onFinish={onFinish}>
            <Form.Item name="supervisorId" label={zh.supervision.supervisorField} extra={zh.supervision.assignHint} rules={[{ required: true, message: zh.common.required }]}>
              <PersonSelect role="supervisor" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="assign-supervisor">
              {project.supervisorId ? zh.supervision.reassign : zh.supervision.assign}
            </Button>
          </Form>
        </>
      )}
    </Card>
  );
}

type Kind = 'mid_term' | 'final';

/**
 * The officer assigns the evaluator of an evaluation not yet submitted: the mid-term one during delivery or
 * rectification, the final one during delivery (which moves the project to the evaluation stage).
 */
export function EvaluatorCard({ project, submitted }: { project: ProjectDetail; submitted: Kind[] }) {
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ kind: Kind; evaluatorId: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const stage = project.live?.stage ?? project.stage;
  const kinds = ([] as Kind[]).concat(
    ['delivery', 'rectification'].includes(stage) && !submitted.includes('mid_term') ? ['mid_term'] : [],
    stage === 'delivery' && !submitted.includes('final') ? ['final'] : [],
  );
  if (!hasRole(me, 'officer') || kinds.length === 0) return null;
  const onFinish = async (v: { kind: Kind; evaluatorId: string }) => {
    setBanner(null);
    setBusy(true);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/evaluations', { params: { path: { id: project.id } }, body: { kind: v.kind, evaluatorId: v.evaluatorId } }));
      message.success(zh.evaluation.assignedOk);
      form.resetFields(['evaluatorId']);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p === '/body/kind' ? ['kind'] : field('evaluatorId')(p))));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title={zh.evaluation.assign} style={{ marginTop: 12 }}>
      <Typography.Paragraph type="secondary">{zh.evaluation.assignHint}</Typography.Paragraph>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ kind: kinds[0] }}>
        <Space wrap align="start">
          <Form.Item name="kind" label={zh.evaluation.kind} rules={[{ required: true, message: zh.common.required }]}>
            <Radio.Group options={kinds.map((k) => ({ value: k, label: label(zh.evaluationKinds, k) }))} />
          </Form.Item>
          <Form.Item name="evaluatorId" label={zh.evaluation.evaluator} rules={[{ required: true, message: zh.common.required }]}>
            <PersonSelect role="evaluator" />
          </Form.Item>
        </Space>
        <div>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="assign-evaluator">
            {zh.evaluation.assign}
          </Button>
        </div>
      </Form>
    </Card>
  );
}
