import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { answer, api, unwrap } from '../api/client';
import type { RequestBody } from '../api/types';
import { fmt, zh } from '../i18n';
import { fieldPath, showProblem } from '../lib/errors';
import { useProject } from './project';
import { criterionName } from '../lib/criteria';

type Values = RequestBody<'/api/v1/projects/{id}/review/score', 'put'>;

/** A reviewer scores the programme's rubric. */
export default function ScorePage() {
  const { id } = useParams() as { id: string };
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const project = useProject(id);
  const programmeId = project.data?.programmeId;
  const programme = useQuery({
    queryKey: ['programme', programmeId],
    enabled: Boolean(programmeId),
    queryFn: () => answer(api.GET('/api/v1/programmes/{id}', { params: { path: { id: programmeId! } } })),
  });

  const onFinish = async (v: Values) => {
    setBanner(null);
    try {
      await unwrap(api.PUT('/api/v1/projects/{id}/review/score', { params: { path: { id } }, body: v }));
      message.success(zh.review.scored);
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
      navigate('/');
    } catch (err) {
      setBanner(showProblem(form, err, (p) => fieldPath(p)));
    }
  };

  return (
    <Card title={`${zh.review.scoreTitle}：${project.data?.title ?? ''}`} loading={programme.isPending}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560 }}>
        {(programme.data?.rules.review.criteria ?? []).map((c) => (
          <Form.Item key={c.key} name={['scores', c.key]} label={`${criterionName(c)}（${fmt(zh.review.maxScore, { n: c.maxScore })}）`} rules={[{ required: true, message: zh.common.required }]}>
            <InputNumber min={0} max={c.maxScore} step={0.5} style={{ width: 140 }} data-testid={`score-${c.key}`} />
          </Form.Item>
        ))}
        <Form.Item name="comments" label={zh.review.comments} rules={[{ required: true, message: zh.common.required }]}>
          <Input.TextArea rows={3} maxLength={5000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="submit-score">
          {zh.common.submit}
        </Button>
      </Form>
    </Card>
  );
}
