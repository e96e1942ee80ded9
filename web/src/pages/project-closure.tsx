import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import type { ProjectDetail } from '../api/types';
import { fmt, label, zh } from '../i18n';
import { showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';

// After the final evaluation the officer closes the project (结项) with its final report, or orders rectification
// (整改) with the reason; the same evaluator then scores it again. Shown while the workflow waits for that choice.

const refresh = (queryClient: ReturnType<typeof useQueryClient>, id: string) =>
  Promise.all(['project', 'monitoring', 'evaluations', 'timeline', 'tranches'].map((k) => queryClient.invalidateQueries({ queryKey: [k, id] })));

type Move = 'close' | 'rectify';

/** True while the live state has the officer's close-or-rectify pending (the API's `pendingActions`). */
export const closeOrRectifyPending = (project: ProjectDetail): boolean =>
  (project.live?.pendingActions ?? []).some((a) => a.who === 'officer' && a.action.split(' or ').includes('closeProject'));

function MoveForm({ project, move, onCancel }: { project: ProjectDetail; move: Move; onCancel: () => void }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ text: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const field = move === 'close' ? 'finalReport' : 'reason';
  const onFinish = async (v: { text: string }) => {
    setBanner(null);
    const path = { params: { path: { id: project.id } } };
    try {
      if (move === 'close') await answer(api.POST('/api/v1/projects/{id}/close', { ...path, body: { finalReport: v.text } }));
      else await answer(api.POST('/api/v1/projects/{id}/rectification', { ...path, body: { reason: v.text } }));
      message.success(move === 'close' ? zh.closure.closed : zh.closure.rectificationOrdered);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p === `/body/${field}` ? ['text'] : null)));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 720, marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} data-testid="closure-error" />}
      <Form.Item
        name="text"
        label={move === 'close' ? zh.closure.finalReport : zh.closure.reason}
        extra={move === 'close' ? zh.closure.finalReportHint : zh.closure.reasonHint}
        rules={[{ required: true, whitespace: true, message: zh.common.required }]}
      >
        <Input.TextArea rows={move === 'close' ? 6 : 3} maxLength={move === 'close' ? 50000 : 5000} />
      </Form.Item>
      <Space wrap>
        <Button type="primary" htmlType="submit" data-testid={move === 'close' ? 'close-project' : 'order-rectification'}>
          {move === 'close' ? zh.closure.confirmClose : zh.closure.confirmRectify}
        </Button>
        <Button onClick={onCancel}>{zh.common.cancel}</Button>
      </Space>
    </Form>
  );
}

/** The officer's choice after the final evaluation: close with the final report, or order rectification. */
export function ClosureCard({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const [move, setMove] = useState<Move | null>(null);
  if (!hasRole(me, 'officer') || !closeOrRectifyPending(project)) return null;
  const grade = project.live?.evaluations.final?.grade ?? null;
  return (
    <Card size="small" title={zh.closure.title} style={{ marginTop: 12 }} data-testid="closure">
      <Typography.Paragraph>
        {fmt(zh.closure.graded, { grade: label(zh.grades, grade) })}
        {grade === 'fail' && <Typography.Text type="warning">{zh.closure.failedHint}</Typography.Text>}
      </Typography.Paragraph>
      {move === null ? (
        <Space wrap>
          <Button type="primary" onClick={() => setMove('close')} data-testid="open-close">
            {zh.closure.close}
          </Button>
          <Button onClick={() => setMove('rectify')} data-testid="open-rectify">
            {zh.closure.rectify}
          </Button>
        </Space>
      ) : (
        <MoveForm key={move} project={project} move={move} onCancel={() => setMove(null)} />
      )}
    </Card>
  );
}
