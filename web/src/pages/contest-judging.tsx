import { useState } from 'react';
import { Alert, App, Button, Card, Form, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import { fmt, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { personLabel, usePeople } from '../lib/person-select';
import { useDebounced } from '../lib/use-debounced';
import { useInvalidateContest, type Contest } from './contest-data';
import { allPages } from '../lib/all-pages';

// The organiser's judge pool: judges picked by name (the people directory, reviewer role: judges are 评审专家),
// taken out before judging, and during an open round one judge replaced on one entry.

const loadJudges = (id: string) => answer(api.GET('/api/v1/contests/{id}/judges', { params: { path: { id } } }));
type Judge = Awaited<ReturnType<typeof loadJudges>>['items'][number];
// Up to 500 a page here: a round of a hundred entries, five judges each, is one page.
const loadAssignments = (id: string, roundKey: string) => allPages((cursor) => answer(api.GET('/api/v1/contests/{id}/assignments', { params: { path: { id }, query: { roundKey, limit: 500, cursor } } })));
type Assignment = Awaited<ReturnType<typeof loadAssignments>>['items'][number];

/**
 * Reviewers found by name as the organiser types (the API's people directory: name and organisation, no login),
 * asked for once the typing pauses.
 */
function JudgePicker({ id, value, onChange, exclude }: { id?: string; value?: string[]; onChange?: (v: string[]) => void; exclude: Set<string> }) {
  const [typed, setTyped] = useState('');
  const q = useDebounced(typed.trim());
  const people = usePeople('reviewer', q);
  // Chosen people stay named when a later search no longer finds them.
  const [known] = useState(() => new Map<string, string>());
  const found = (people.data?.items ?? [])
    .filter((p) => !exclude.has(p.id))
    .map((p) => ({ value: p.id, label: personLabel(p) }));
  for (const o of found) known.set(o.value, o.label);
  const kept = (value ?? []).filter((v) => !found.some((o) => o.value === v)).map((v) => ({ value: v, label: known.get(v) ?? '' }));
  return (
    <Select
      id={id}
      mode="multiple"
      showSearch={{ filterOption: false, onSearch: setTyped }}
      value={value}
      onChange={onChange}
      loading={people.isFetching}
      notFoundContent={zh.common.none}
      placeholder={zh.contests.judgeSearch}
      options={[...kept, ...found]}
      data-testid="judge-picker"
    />
  );
}

export function JudgesTab({ contest }: { contest: Contest }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const [form] = Form.useForm<{ userIds: string[] }>();
  const [banner, setBanner] = useState<string | null>(null);
  const judges = useQuery({ queryKey: ['contest', contest.id, 'judges'], queryFn: () => loadJudges(contest.id) });
  const mayAdd = ['draft', 'open', 'screening', 'judging'].includes(contest.phase);
  const mayRemove = ['draft', 'open', 'screening'].includes(contest.phase);
  const inPool = new Set((judges.data?.items ?? []).map((j) => j.userId));
  const onFinish = async (v: { userIds: string[] }) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/contests/{id}/judges', { params: { path: { id: contest.id } }, body: { userIds: v.userIds } }));
      message.success(zh.contests.judgesAdded);
      form.resetFields();
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p.startsWith('/body/userIds') ? ['userIds'] : null)));
    }
  };
  const remove = async (j: Judge) => {
    try {
      await unwrap(api.DELETE('/api/v1/contests/{id}/judges/{userId}', { params: { path: { id: contest.id, userId: j.userId } } }));
      message.success(fmt(zh.contests.judgeRemoved, { name: j.displayName }));
      await invalidate();
    } catch (err) {
      message.error(problemText(err));
    }
  };
  return (
    <>
      {mayAdd && (
        <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560, marginBottom: 12 }}>
          {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
          <Form.Item name="userIds" label={zh.contests.judgeIds} extra={zh.contests.judgeIdsHint} rules={[{ required: true, message: zh.common.required }]}>
            <JudgePicker exclude={inPool} />
          </Form.Item>
          <Button htmlType="submit" data-testid="add-judges">
            {zh.contests.addJudges}
          </Button>
        </Form>
      )}
      {judges.data?.roundKey && (
        <Typography.Paragraph type="secondary">
          {fmt(zh.contests.progressOf, { round: contest.rounds.find((r) => r.key === judges.data?.roundKey)?.name ?? '' })}
        </Typography.Paragraph>
      )}
      <Table<Judge>
        rowKey="userId"
        size="small"
        pagination={false}
        loading={judges.isPending}
        dataSource={judges.data?.items ?? []}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 420 }}
        data-testid="judges"
        columns={[
          { title: zh.contests.judge, dataIndex: 'displayName' },
          { title: zh.contests.judgeOrganisation, dataIndex: 'organisationName', render: (n: string | null) => n ?? '—' },
          { title: zh.contests.assigned, dataIndex: 'assigned' },
          { title: zh.contests.scored, dataIndex: 'scored' },
          { title: zh.contests.missing, dataIndex: 'missing' },
          ...(mayRemove
            ? [
                {
                  title: zh.common.remove,
                  key: 'remove',
                  render: (_: unknown, j: Judge) => (
                    <Popconfirm title={fmt(zh.contests.removeJudgeConfirm, { name: j.displayName })} okText={zh.common.remove} okButtonProps={{ danger: true, 'data-testid': 'confirm-remove-judge' }} cancelText={zh.common.cancel} onConfirm={() => remove(j)}>
                      <Button size="small" danger data-testid="remove-judge">
                        {zh.common.remove}
                      </Button>
                    </Popconfirm>
                  ),
                },
              ]
            : []),
        ]}
      />
      {contest.phase === 'judging' && judges.data?.roundKey && judges.data.roundClosed === false && (
        <Reassignments contest={contest} roundKey={judges.data.roundKey} judges={judges.data.items} />
      )}
    </>
  );
}

/** The open round's assignments; beside each one not yet scored, replacing its judge (a named one or the least loaded). */
function Reassignments({ contest, roundKey, judges }: { contest: Contest; roundKey: string; judges: Judge[] }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const assignments = useQuery({ queryKey: ['contest', contest.id, 'assignments', roundKey], queryFn: () => loadAssignments(contest.id, roundKey) });
  const [replacing, setReplacing] = useState<Assignment | null>(null);
  const [form] = Form.useForm<{ toJudgeId?: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const name = new Map(judges.map((j) => [j.userId, j.displayName]));
  const onFinish = async (v: { toJudgeId?: string }) => {
    if (!replacing) return;
    setBanner(null);
    try {
      const r = await answer(
        api.POST('/api/v1/contests/{id}/rounds/{roundKey}/reassignments', {
          params: { path: { id: contest.id, roundKey } },
          body: { entryId: replacing.entry.id, fromJudgeId: replacing.judgeId, ...(v.toJudgeId ? { toJudgeId: v.toJudgeId } : {}) },
        }),
      );
      message.success(fmt(zh.contests.reassigned, { name: name.get(r.toJudgeId) ?? '' }));
      setReplacing(null);
      form.resetFields();
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p === '/body/toJudgeId' ? ['toJudgeId'] : null)));
    }
  };
  const rows = (assignments.data?.items ?? []).filter((a) => a.status === 'assigned');
  return (
    <Card size="small" title={zh.contests.assignments} style={{ marginTop: 12 }}>
      {replacing && (
        <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560, marginBottom: 12 }}>
          <Typography.Paragraph>{fmt(zh.contests.replacing, { judge: name.get(replacing.judgeId) ?? '', project: replacing.entry.title })}</Typography.Paragraph>
          {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
          <Form.Item name="toJudgeId" label={zh.contests.toJudge} extra={zh.contests.toJudgeHint}>
            <Select
              allowClear
              placeholder={zh.contests.leastLoaded}
              options={judges.filter((j) => !rows.some((a) => a.entry.id === replacing.entry.id && a.judgeId === j.userId)).map((j) => ({ value: j.userId, label: j.displayName }))}
            />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" data-testid="reassign">
              {zh.contests.reassign}
            </Button>
            <Button onClick={() => setReplacing(null)}>{zh.common.cancel}</Button>
          </Space>
        </Form>
      )}
      <Table<Assignment>
        rowKey={(a) => `${a.entry.id}:${a.judgeId}`}
        size="small"
        pagination={false}
        loading={assignments.isPending}
        dataSource={rows}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 420 }}
        data-testid="assignments"
        columns={[
          { title: zh.contests.project, key: 'entry', render: (_: unknown, a: Assignment) => a.entry.title },
          { title: zh.contests.judge, dataIndex: 'judgeId', render: (id: string) => name.get(id) ?? '—' },
          { title: zh.contests.dueAt, dataIndex: 'dueAt', render: (d: string) => dayjs(d).format('MM-DD HH:mm') },
          {
            title: zh.contests.status,
            key: 'status',
            render: (_: unknown, a: Assignment) =>
              a.sheet ? (
                <Tag color="green">{zh.contests.scored}</Tag>
              ) : (
                <Button size="small" onClick={() => { setBanner(null); form.resetFields(); setReplacing(a); }} data-testid="open-reassign">
                  {zh.contests.reassign}
                </Button>
              ),
          },
        ]}
      />
    </Card>
  );
}
