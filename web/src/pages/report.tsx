import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { zh } from '../i18n';
import { showProblem } from '../lib/errors';
import { useProject } from './project';

interface Values {
  period: number;
  summary: string;
  achieved: number[];
}

/** The applicant's monthly report: a summary and what each indicator reached. */
export default function ReportPage() {
  const { id } = useParams() as { id: string };
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const project = useProject(id);
  const indicators = (project.data?.draft?.objectives ?? []).flatMap((o) => o.indicators);

  const onFinish = async (v: Values) => {
    setBanner(null);
    try {
      await unwrap(
        api.POST('/api/v1/projects/{id}/reports', {
          params: { path: { id } },
          body: { period: v.period, summary: v.summary, indicatorProgress: indicators.map((x, i) => ({ name: x.name, achieved: v.achieved?.[i] ?? 0 })) },
        }),
      );
      message.success(zh.report.submitted);
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
      navigate(`/projects/${id}`);
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };

  return (
    <Card title={`${zh.report.title}：${project.data?.title ?? ''}`} loading={project.isPending}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560 }} initialValues={{ period: 1 }}>
        <Form.Item name="period" label={zh.report.period} rules={[{ required: true, message: zh.common.required }]}>
          <InputNumber min={1} precision={0} />
        </Form.Item>
        <Form.Item name="summary" label={zh.report.summary} rules={[{ required: true, message: zh.common.required }]}>
          <Input.TextArea rows={4} maxLength={10000} />
        </Form.Item>
        {indicators.map((x, i) => (
          <Form.Item key={i} name={['achieved', i]} label={`${x.name}（${zh.report.achieved}，${x.unit}）`}>
            <InputNumber min={0} />
          </Form.Item>
        ))}
        <Button type="primary" htmlType="submit" data-testid="submit-report">
          {zh.common.submit}
        </Button>
      </Form>
    </Card>
  );
}
