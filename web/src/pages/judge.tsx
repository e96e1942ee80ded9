import { useState } from 'react';
import { Alert, App, Button, Card, Empty, Form, Input, InputNumber, Space, Tag, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import dayjs from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import type { RequestBody } from '../api/types';
import { fmt, zh } from '../i18n';
import { showProblem } from '../lib/errors';
import { useContest, type Contest } from './contest-data';
import { allPages, PAGE_MOST } from '../lib/all-pages';

const loadAssignments = (id: string) => allPages((cursor) => answer(api.GET('/api/v1/contests/{id}/assignments', { params: { path: { id }, query: { limit: PAGE_MOST, cursor } } })));
type ContestAssignment = Awaited<ReturnType<typeof loadAssignments>>['items'][number];

type Values = RequestBody<'/api/v1/contests/{id}/rounds/{roundKey}/scores/{entryId}', 'put'>;

function Sheet({ contest, a }: { contest: Contest; a: ContestAssignment }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const round = contest.rounds[a.roundIndex];
  const onFinish = async (v: Values) => {
    setBanner(null);
    try {
      await unwrap(api.PUT('/api/v1/contests/{id}/rounds/{roundKey}/scores/{entryId}', { params: { path: { id: contest.id, roundKey: a.roundKey, entryId: a.entry.id } }, body: v }));
      message.success(zh.contests.sheetSaved);
      await queryClient.invalidateQueries({ queryKey: ['contest', contest.id, 'assignments'] });
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  return (
    <Card
      size="small"
      title={a.entry.title}
      extra={a.sheet ? <Tag color="green">{`${zh.contests.yourScore} ${a.sheet.total.toFixed(2)}`}</Tag> : <Tag>{`${zh.contests.dueAt} ${dayjs(a.dueAt).format('MM-DD HH:mm')}`}</Tag>}
      data-testid="sheet"
    >
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={a.sheet ? { scores: a.sheet.scores, comment: a.sheet.comment ?? '' } : undefined} disabled={a.roundClosed}>
        <Space wrap align="start">
          {round.criteria.map((c) => (
            <Form.Item key={c.key} name={['scores', c.key]} label={`${c.name}（${fmt(zh.review.maxScore, { n: c.maxScore })}）`} rules={[{ required: true, message: zh.common.required }]}>
              <InputNumber min={c.minScore} max={c.maxScore} step={0.5} style={{ width: 120 }} data-testid={`contest-score-${c.key}`} />
            </Form.Item>
          ))}
        </Space>
        <Form.Item name="comment" label={zh.contests.comment}>
          <Input.TextArea rows={2} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="submit-sheet">
          {zh.common.submit}
        </Button>
      </Form>
    </Card>
  );
}

/** The judge's scoring form: each entry assigned to them in the open round. */
export default function JudgePage() {
  const { id } = useParams() as { id: string };
  const contest = useContest(id);
  const assignments = useQuery({
    queryKey: ['contest', id, 'assignments'],
    queryFn: () => loadAssignments(id),
  });
  const c = contest.data;
  const open = (assignments.data?.items ?? []).filter((a) => !a.roundClosed);
  return (
    <Card title={`${zh.contests.judgeTitle}：${c?.name ?? ''}`} loading={contest.isPending || assignments.isPending}>
      {c && !open.length && <Empty description={zh.contests.noAssignments} />}
      {c && (
        <Space direction="vertical" style={{ width: '100%' }}>
          {open.map((a) => (
            <Sheet key={`${a.roundKey}:${a.entry.id}`} contest={c} a={a} />
          ))}
        </Space>
      )}
      <Typography.Text type="secondary" />
    </Card>
  );
}
