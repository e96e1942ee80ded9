import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Radio, Table } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import dayjs from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import type { RequestBody } from '../api/types';
import { fmt, label, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { PersonSelect } from '../lib/person-select';
import { useProject } from './project';

const AUTOMATIC = 'automatic';

/** The officer replaces a reviewer who has not scored: by a reviewer they pick, or the least loaded independent one. */
function ReassignForm({ id, seat, onDone }: { id: string; seat: { reviewerId: string; reviewerName: string | null }; onDone: () => Promise<unknown> }) {
  const { message } = App.useApp();
  const [form] = Form.useForm<{ toReviewerId: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onFinish = async (v: { toReviewerId: string }) => {
    setBanner(null);
    setBusy(true);
    try {
      const body = { fromReviewerId: seat.reviewerId, ...(v.toReviewerId === AUTOMATIC ? {} : { toReviewerId: v.toReviewerId }) };
      await unwrap(api.POST('/api/v1/projects/{id}/review/reassign', { params: { path: { id } }, body }));
      message.success(zh.review.reassigned);
      await onDone();
    } catch (err) {
      // "No free reviewer" names the whole body: it belongs under the choice too.
      setBanner(showProblem(form, err, (p) => (p === '/body/toReviewerId' || p === '/body' ? ['toReviewerId'] : null)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title={fmt(zh.review.reassignTitle, { name: seat.reviewerName ?? '—' })} style={{ marginTop: 12, maxWidth: 560 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ toReviewerId: AUTOMATIC }}>
        <Form.Item name="toReviewerId" label={zh.review.reassignTo} rules={[{ required: true, message: zh.common.required }]}>
          <PersonSelect role="reviewer" extra={[{ value: AUTOMATIC, label: zh.review.automatic }]} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} data-testid="reassign">
          {zh.review.confirmReassign}
        </Button>
      </Form>
    </Card>
  );
}

type Decision = RequestBody<'/api/v1/projects/{id}/review/decision'>;

/** The officer's review of a project: assign the panel, watch the scores, decide. */
export default function ReviewPage() {
  const { id } = useParams() as { id: string };
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Decision>();
  const [banner, setBanner] = useState<string | null>(null);
  const [replacing, setReplacing] = useState<string | null>(null);
  const project = useProject(id);
  const review = useQuery({ queryKey: ['review', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/review', { params: { path: { id } } })) });
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['review', id] }), queryClient.invalidateQueries({ queryKey: ['project', id] }), queryClient.invalidateQueries({ queryKey: ['tasks'] })]);

  const assign = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/projects/{id}/review/panel', { params: { path: { id } }, body: {} })),
    onSuccess: async () => {
      message.success(zh.review.assigned);
      await refresh();
    },
    onError: (err) => setBanner(problemText(err)),
  });

  const decide = async (v: Decision) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/projects/{id}/review/decision', { params: { path: { id } }, body: v }));
      message.success(zh.review.decided);
      await refresh();
      navigate(`/projects/${id}`);
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };

  const panel = review.data?.panel ?? [];
  const allScored = panel.length > 0 && panel.every((p) => p.status !== 'assigned');
  const inReview = (project.data?.live?.stage ?? project.data?.stage) === 'review' && !review.data?.decision;
  const replacingSeat = inReview ? panel.find((p) => p.status === 'assigned' && p.reviewerId === replacing) : undefined;
  return (
    <Card title={`${zh.review.title}：${project.data?.title ?? ''}`}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} data-testid="form-error" />}
      {review.isError && <Alert type="error" title={problemText(review.error)} />}
      <Table
        rowKey={(r) => `${r.reviewerId ?? ''}:${r.dueAt}`}
        size="small"
        pagination={false}
        loading={review.isPending}
        dataSource={panel}
        locale={{ emptyText: zh.review.noPanel }}
        columns={[
          { title: zh.review.reviewer, dataIndex: 'reviewerName', render: (n: string | null) => n ?? '—' },
          { title: zh.review.status, dataIndex: 'status', render: (s: string) => label(zh.reviewStatus, s) },
          { title: zh.review.dueAt, dataIndex: 'dueAt', render: (d: string) => dayjs(d).format('YYYY-MM-DD HH:mm') },
          { title: zh.review.total, dataIndex: 'total', render: (t: number | null) => (t === null ? '—' : t.toFixed(1)) },
          ...(inReview
            ? [
                {
                  title: '',
                  key: 'reassign',
                  render: (_: unknown, r: (typeof panel)[number]) =>
                    r.status === 'assigned' && r.reviewerId ? (
                      <Button size="small" onClick={() => setReplacing(r.reviewerId)} data-testid="open-reassign">
                        {zh.review.reassign}
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      {replacingSeat && (
        <ReassignForm
          key={replacingSeat.reviewerId}
          id={id}
          seat={{ reviewerId: replacingSeat.reviewerId!, reviewerName: replacingSeat.reviewerName }}
          onDone={async () => {
            setReplacing(null);
            await refresh();
          }}
        />
      )}
      {review.data && panel.length === 0 && (
        <Button type="primary" style={{ marginTop: 12 }} loading={assign.isPending} onClick={() => assign.mutate()} data-testid="assign-panel">
          {zh.review.assignAuto}
        </Button>
      )}
      {allScored && !review.data?.decision && (
        <Form form={form} layout="vertical" onFinish={decide} style={{ marginTop: 16, maxWidth: 560 }}>
          <Form.Item name="decision" label={zh.review.decision} rules={[{ required: true, message: zh.common.required }]}>
            <Radio.Group options={Object.entries(zh.decisions).map(([value, text]) => ({ value, label: text }))} />
          </Form.Item>
          <Form.Item name="comment" label={zh.review.comment} rules={[{ required: true, message: zh.common.required }]}>
            <Input.TextArea rows={3} maxLength={5000} />
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="decide">
            {zh.review.decide}
          </Button>
        </Form>
      )}
    </Card>
  );
}
