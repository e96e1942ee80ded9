import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Space, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { answer, api } from '../api/client';
import type { ProjectDetail } from '../api/types';
import { fmt, yuan, zh } from '../i18n';
import { showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';

// A partial contest award (调整预算): the applicant accepts with a budget re-scoped to the award (the lines add up
// exactly to it, summed as they type) or declines with the reason. Shown while the project waits in `rescoping`.

type Line = { item: string; amount: number | null };
type Move = 'accept' | 'decline';

const refresh = (queryClient: ReturnType<typeof useQueryClient>, id: string) =>
  Promise.all(['project', 'timeline', 'tranches', 'tasks'].map((k) => queryClient.invalidateQueries({ queryKey: k === 'tasks' ? [k] : [k, id] })));

const toFen = (yuanValue: number | null | undefined) => Math.round((yuanValue ?? 0) * 100);

function AcceptForm({ project, awardedFen, onCancel }: { project: ProjectDetail; awardedFen: number; onCancel: () => void }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ budgetLines: Line[]; note?: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const lines = Form.useWatch('budgetLines', form) ?? [];
  const totalFen = lines.reduce((s, l) => s + toFen(l?.amount), 0);
  const initial = (project.draft?.budgetLines ?? []).map((l) => ({ item: l.item, amount: null }));
  const onFinish = async (v: { budgetLines: Line[]; note?: string }) => {
    setBanner(null);
    try {
      await answer(
        api.POST('/api/v1/projects/{id}/rescoping/accept', {
          params: { path: { id: project.id } },
          body: { budgetLines: v.budgetLines.map((l) => ({ item: l.item.trim(), amountFen: toFen(l.amount) })), ...(v.note?.trim() ? { note: v.note.trim() } : {}) },
        }),
      );
      message.success(zh.rescoping.accepted);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err, (p) => {
        const m = p.match(/^\/body\/budgetLines\/(\d+)\/(item|amountFen)$/);
        if (m) return ['budgetLines', Number(m[1]), m[2] === 'item' ? 'item' : 'amount'];
        return p === '/body/note' ? ['note'] : null;
      }));
    }
  };
  const off = totalFen !== awardedFen;
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ budgetLines: initial.length ? initial : [{ item: '', amount: null }] }} style={{ maxWidth: 720, marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} data-testid="rescoping-error" />}
      <Form.List name="budgetLines">
        {(fields, { add, remove }) => (
          <>
            {fields.map((f, i) => (
              <Space key={f.key} align="start" wrap>
                <Form.Item name={[f.name, 'item']} label={i === 0 ? zh.rescoping.item : undefined} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
                  <Input maxLength={200} style={{ width: 180 }} aria-label={fmt(zh.rescoping.itemN, { n: i + 1 })} />
                </Form.Item>
                <Form.Item name={[f.name, 'amount']} label={i === 0 ? zh.rescoping.amount : undefined} rules={[{ required: true, message: zh.common.required }]}>
                  <InputNumber min={0} precision={2} style={{ width: 140 }} aria-label={fmt(zh.rescoping.amountN, { n: i + 1 })} />
                </Form.Item>
                {fields.length > 1 && (
                  <Button onClick={() => remove(f.name)} style={{ marginTop: i === 0 ? 30 : 0 }}>
                    {zh.common.remove}
                  </Button>
                )}
              </Space>
            ))}
            <Button onClick={() => add({ item: '', amount: null })} style={{ marginBottom: 12 }}>
              {zh.rescoping.addLine}
            </Button>
          </>
        )}
      </Form.List>
      <Typography.Paragraph type={off ? 'danger' : 'success'} data-testid="rescoping-sum">
        {fmt(off ? zh.rescoping.sumOff : zh.rescoping.sumOk, { total: yuan(totalFen), award: yuan(awardedFen), gap: yuan(Math.abs(awardedFen - totalFen)) })}
      </Typography.Paragraph>
      <Form.Item name="note" label={zh.rescoping.note}>
        <Input.TextArea rows={2} maxLength={5000} />
      </Form.Item>
      <Space wrap>
        <Button type="primary" htmlType="submit" data-testid="accept-rescoping">
          {zh.rescoping.confirmAccept}
        </Button>
        <Button onClick={onCancel}>{zh.common.cancel}</Button>
      </Space>
    </Form>
  );
}

function DeclineForm({ project, onCancel }: { project: ProjectDetail; onCancel: () => void }) {
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { reason: string }) => {
    setBanner(null);
    try {
      await answer(api.POST('/api/v1/projects/{id}/rescoping/decline', { params: { path: { id: project.id } }, body: { reason: v.reason } }));
      message.success(zh.rescoping.declined);
      await refresh(queryClient, project.id);
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 720, marginTop: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form.Item name="reason" label={zh.rescoping.reason} extra={zh.rescoping.declineHint} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
        <Input.TextArea rows={3} maxLength={5000} />
      </Form.Item>
      <Space wrap>
        <Button danger type="primary" htmlType="submit" data-testid="decline-rescoping">
          {zh.rescoping.confirmDecline}
        </Button>
        <Button onClick={onCancel}>{zh.common.cancel}</Button>
      </Space>
    </Form>
  );
}

/** Above the project's tabs while a partial award waits for its applicant. */
export function RescopingCard({ project }: { project: ProjectDetail }) {
  const me = useMe();
  const [move, setMove] = useState<Move | null>(null);
  const r = project.live?.rescoping;
  if ((project.live?.stage ?? project.stage) !== 'rescoping' || !r) return null;
  const applicant = hasRole(me, 'applicant');
  return (
    <Card size="small" title={zh.rescoping.title} style={{ marginTop: 12 }} data-testid="rescoping">
      <Typography.Paragraph>
        {fmt(zh.rescoping.offer, { award: yuan(r.awardedFen), asked: yuan(r.amountAskedFen), due: dayjs(r.dueAt).format('YYYY-MM-DD HH:mm') })}
      </Typography.Paragraph>
      {!applicant ? null : move === null ? (
        <Space wrap>
          <Button type="primary" onClick={() => setMove('accept')} data-testid="open-accept-rescoping">
            {zh.rescoping.accept}
          </Button>
          <Button onClick={() => setMove('decline')} data-testid="open-decline-rescoping">
            {zh.rescoping.decline}
          </Button>
        </Space>
      ) : move === 'accept' ? (
        <AcceptForm project={project} awardedFen={r.awardedFen} onCancel={() => setMove(null)} />
      ) : (
        <DeclineForm project={project} onCancel={() => setMove(null)} />
      )}
    </Card>
  );
}
