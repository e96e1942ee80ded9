import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, InputNumber, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import { label, yuan, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';

const loadContest = (id: string) => answer(api.GET('/api/v1/contests/{id}', { params: { path: { id } } }));
export type Contest = Awaited<ReturnType<typeof loadContest>>;
const loadEntries = (id: string) => answer(api.GET('/api/v1/contests/{id}/entries', { params: { path: { id }, query: { limit: 100 } } }));
type ContestEntry = Awaited<ReturnType<typeof loadEntries>>['items'][number];
const loadJudges = (id: string) => answer(api.GET('/api/v1/contests/{id}/judges', { params: { path: { id } } }));
const loadRanking = (id: string) => answer(api.GET('/api/v1/contests/{id}/ranking', { params: { path: { id } } }));
type RankingRow = Awaited<ReturnType<typeof loadRanking>>['overall'][number];
/** Every few seconds while the funding race is on, so funders and the organiser watch it happen. */
const LIVE_MS = 5_000;
const live = (phase: string | undefined) => (phase === 'funding' ? LIVE_MS : false);

export function useContest(id: string) {
  return useQuery({ queryKey: ['contest', id], queryFn: () => loadContest(id), refetchInterval: (q) => live(q.state.data?.phase) });
}

/** The phase moves without a form of their own. */
function runMove(id: string, move: string): Promise<unknown> {
  const path = { params: { path: { id } }, body: {} };
  switch (move) {
    case 'openEntries':
      return unwrap(api.POST('/api/v1/contests/{id}/open-entries', path));
    case 'closeEntries':
      return unwrap(api.POST('/api/v1/contests/{id}/close-entries', path));
    case 'startJudging':
      return unwrap(api.POST('/api/v1/contests/{id}/start-judging', path));
    case 'closeRound':
      return unwrap(api.POST('/api/v1/contests/{id}/close-round', path));
    case 'publishRanking':
      return unwrap(api.POST('/api/v1/contests/{id}/publish-ranking', path));
    case 'close':
      return unwrap(api.POST('/api/v1/contests/{id}/close', path));
    default:
      throw new Error(`no button for ${move}`);
  }
}
const BUTTON_MOVES = ['openEntries', 'closeEntries', 'startJudging', 'closeRound', 'publishRanking', 'close'];

function useInvalidateContest(id: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] === 'contest' && q.queryKey[1] === id });
}

function Moves({ contest }: { contest: Contest }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const move = useMutation({
    mutationFn: (m: string) => runMove(contest.id, m),
    onSuccess: async () => {
      message.success(zh.contests.moveDone);
      await invalidate();
    },
    onError: (err) => message.error(problemText(err)),
  });
  const moves = contest.allowedMoves.filter((m) => BUTTON_MOVES.includes(m));
  if (!moves.length) return null;
  return (
    <Space wrap>
      {moves.map((m) => (
        <Button key={m} type="primary" loading={move.isPending && move.variables === m} onClick={() => move.mutate(m)} data-testid={`move-${m}`}>
          {label(zh.contestMoves, m)}
        </Button>
      ))}
    </Space>
  );
}

function AwardForm({ contest }: { contest: Contest }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const [form] = Form.useForm<{ startDate: Dayjs; endDate: Dayjs }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { startDate: Dayjs; endDate: Dayjs }) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/contests/{id}/award', { params: { path: { id: contest.id } }, body: { startDate: v.startDate.format('YYYY-MM-DD'), endDate: v.endDate.format('YYYY-MM-DD') } }));
      message.success(zh.contests.moveDone);
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  return (
    <Card size="small" title={label(zh.contestMoves, 'award')} style={{ marginTop: 12 }}>
      <Typography.Paragraph type="secondary">{zh.contests.awardHint}</Typography.Paragraph>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="inline" onFinish={onFinish} initialValues={{ startDate: dayjs().add(1, 'day'), endDate: dayjs().add(1, 'year') }}>
        <Form.Item name="startDate" label={zh.contests.startDate} rules={[{ required: true, message: zh.common.required }]}>
          <DatePicker />
        </Form.Item>
        <Form.Item name="endDate" label={zh.contests.endDate} rules={[{ required: true, message: zh.common.required }]}>
          <DatePicker />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="move-award">
          {label(zh.contestMoves, 'award')}
        </Button>
      </Form>
    </Card>
  );
}

function useEntries(contest: Contest, enabled = true) {
  return useQuery({ queryKey: ['contest', contest.id, 'entries'], enabled, queryFn: () => loadEntries(contest.id), refetchInterval: live(contest.phase) });
}

const byRank = (a: ContestEntry, b: ContestEntry) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.submittedAt.localeCompare(b.submittedAt);

/** Screening (资格审查): the organiser screens an entry out, with the reason. */
function ScreenForm({ contest, entry, onDone }: { contest: Contest; entry: ContestEntry; onDone: () => void }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const [form] = Form.useForm<{ reason: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const onFinish = async (v: { reason: string }) => {
    setBanner(null);
    try {
      await answer(api.POST('/api/v1/contests/{id}/entries/{entryId}/withdraw', { params: { path: { id: contest.id, entryId: entry.id } }, body: { reason: v.reason } }));
      message.success(zh.contests.screenedOut);
      onDone();
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  return (
    <Card size="small" title={`${zh.contests.screenOut}：${entry.title}`} style={{ marginBottom: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560 }}>
        <Form.Item name="reason" label={zh.contests.screenReason} rules={[{ required: true, message: zh.common.required }]}>
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
        <Space>
          <Button danger type="primary" htmlType="submit" data-testid="screen-out">
            {zh.contests.screenOut}
          </Button>
          <Button onClick={onDone}>{zh.common.cancel}</Button>
        </Space>
      </Form>
    </Card>
  );
}

function EntriesTab({ contest }: { contest: Contest }) {
  const entries = useEntries(contest);
  const trackName = new Map(contest.tracks.map((t) => [t.key, t.name]));
  const [screening, setScreening] = useState<ContestEntry | null>(null);
  const screens = Boolean(contest.youRunIt) && contest.phase === 'screening';
  return (
    <>
      {contest.youRunIt && contest.phase === 'open' && <EnterForm contest={contest} />}
      {screens && screening && <ScreenForm contest={contest} entry={screening} onDone={() => setScreening(null)} />}
      <Table<ContestEntry>
        rowKey="id"
        size="small"
        pagination={false}
        loading={entries.isPending}
        dataSource={[...(entries.data?.items ?? [])].sort(byRank)}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 480 }}
        columns={[
          ...(contest.publishedAt || contest.youRunIt ? [{ title: zh.contests.rank, dataIndex: 'rank', render: (r: number | null | undefined) => r ?? '—' }] : []),
          { title: zh.contests.project, dataIndex: 'title' },
          { title: zh.contests.track, dataIndex: 'trackKey', render: (k: string) => trackName.get(k) ?? '' },
          { title: zh.contests.amount, dataIndex: 'amountAskedFen', render: (f: number) => `${yuan(f)} ${zh.common.yuan}` },
          { title: zh.funding.subscribedFen, dataIndex: 'subscribedFen', render: (f: number) => `${yuan(f)} ${zh.common.yuan}` },
          { title: zh.contests.status, dataIndex: 'status', render: (s: string) => <Tag data-testid="entry-status">{label(zh.entryStatus, s)}</Tag> },
          ...(screens
            ? [
                {
                  title: zh.contests.screen,
                  key: 'screen',
                  render: (_: unknown, e: ContestEntry) =>
                    e.status === 'entered' ? (
                      <Button size="small" danger onClick={() => setScreening(e)} data-testid="open-screen">
                        {zh.contests.screenOut}
                      </Button>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
    </>
  );
}

/** The organiser enters approved projects of the contest's programmes from the library. */
function EnterForm({ contest }: { contest: Contest }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const [form] = Form.useForm<{ projectId: string; trackKey: string }>();
  const [open, setOpen] = useState(false);
  const [banner, setBanner] = useState<string | null>(null);
  const projects = useQuery({
    queryKey: ['projects', 'approved'],
    enabled: open,
    queryFn: () => answer(api.GET('/api/v1/projects', { params: { query: { stage: ['approved'], limit: 100 } } })),
  });
  const eligible = (projects.data?.items ?? []).filter((p) => contest.programmeIds.includes(p.programmeId));
  const onFinish = async (v: { projectId: string; trackKey: string }) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/contests/{id}/entries', { params: { path: { id: contest.id } }, body: v }));
      message.success(zh.contests.entered);
      form.resetFields(['projectId']);
      await projects.refetch();
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err));
    }
  };
  return (
    <div style={{ marginBottom: 12 }}>
      {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
      <Form form={form} layout="inline" onFinish={onFinish} initialValues={{ trackKey: contest.tracks[0]?.key }}>
        <Form.Item name="projectId" label={zh.contests.project} rules={[{ required: true, message: zh.common.required }]} style={{ minWidth: 240 }}>
          <Select onOpenChange={(o) => o && setOpen(true)} loading={open && projects.isPending} options={eligible.map((p) => ({ value: p.id, label: p.title }))} notFoundContent={zh.common.none} />
        </Form.Item>
        <Form.Item name="trackKey" label={zh.contests.track} rules={[{ required: true, message: zh.common.required }]}>
          <Select style={{ minWidth: 120 }} options={contest.tracks.map((t) => ({ value: t.key, label: t.name }))} />
        </Form.Item>
        <Button type="primary" htmlType="submit" data-testid="enter-project">
          {zh.contests.enter}
        </Button>
      </Form>
    </div>
  );
}

function JudgesTab({ contest }: { contest: Contest }) {
  const { message } = App.useApp();
  const me = useMe();
  const invalidate = useInvalidateContest(contest.id);
  const [form] = Form.useForm<{ userIds: string | string[] }>();
  const [banner, setBanner] = useState<string | null>(null);
  const judges = useQuery({ queryKey: ['contest', contest.id, 'judges'], queryFn: () => loadJudges(contest.id) });
  // Admins may list the reviewers; an organiser names them by their account number (the API has no directory for them).
  const isAdmin = hasRole(me, 'admin');
  const reviewers = useQuery({
    queryKey: ['users', 'reviewer'],
    enabled: isAdmin,
    queryFn: () => answer(api.GET('/api/v1/users', { params: { query: { role: 'reviewer', limit: 100 } } })),
  });
  const mayAdd = ['draft', 'open', 'screening', 'judging'].includes(contest.phase);
  const onFinish = async (v: { userIds: string | string[] }) => {
    setBanner(null);
    const userIds = Array.isArray(v.userIds) ? v.userIds : v.userIds.split(/[\s,，]+/).filter(Boolean);
    try {
      await unwrap(api.POST('/api/v1/contests/{id}/judges', { params: { path: { id: contest.id } }, body: { userIds } }));
      message.success(zh.contests.judgesAdded);
      form.resetFields();
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err, (p) => (p.startsWith('/body/userIds') ? ['userIds'] : null)));
    }
  };
  return (
    <>
      {mayAdd && (
        <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 560, marginBottom: 12 }}>
          {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
          <Form.Item name="userIds" label={zh.contests.judgeIds} extra={isAdmin ? undefined : zh.contests.judgeIdsHint} rules={[{ required: true, message: zh.common.required }]}>
            {isAdmin ? (
              <Select mode="multiple" options={(reviewers.data?.items ?? []).map((u) => ({ value: u.id, label: u.displayName }))} />
            ) : (
              <Input.TextArea rows={2} data-testid="judge-ids" />
            )}
          </Form.Item>
          <Button htmlType="submit" data-testid="add-judges">
            {zh.contests.addJudges}
          </Button>
        </Form>
      )}
      <Table
        rowKey="userId"
        size="small"
        pagination={false}
        loading={judges.isPending}
        dataSource={judges.data?.items ?? []}
        locale={{ emptyText: zh.common.none }}
        columns={[
          { title: zh.contests.judge, dataIndex: 'displayName' },
          { title: zh.contests.assigned, dataIndex: 'assigned' },
          { title: zh.contests.scored, dataIndex: 'scored' },
          { title: zh.contests.missing, dataIndex: 'missing' },
        ]}
      />
    </>
  );
}

function RankingTab({ contest }: { contest: Contest }) {
  const visible = Boolean(contest.publishedAt) || Boolean(contest.youRunIt && contest.finalRankingId);
  const ranking = useQuery({
    queryKey: ['contest', contest.id, 'ranking'],
    enabled: visible,
    queryFn: () => loadRanking(contest.id),
  });
  const trackName = new Map(contest.tracks.map((t) => [t.key, t.name]));
  if (!visible) return <Typography.Text type="secondary">{zh.contests.noRanking}</Typography.Text>;
  return (
    <>
      <Space wrap style={{ marginBottom: 12 }}>
        <Tag color={ranking.data?.publishedAt ? 'green' : 'default'}>{ranking.data?.publishedAt ? zh.contests.published : zh.contests.notPublished}</Tag>
        {contest.publishedAt && (
          <>
            <a href={`/api/v1/contests/${contest.id}/results.csv?table=ranking`} download data-testid="download-ranking">
              {zh.contests.download}
            </a>
            <a href={`/api/v1/contests/${contest.id}/results.csv?table=funding`} download data-testid="download-funding">
              {zh.contests.downloadFunding}
            </a>
          </>
        )}
      </Space>
      <Table<RankingRow>
        rowKey="entryId"
        size="small"
        pagination={false}
        loading={ranking.isPending}
        dataSource={ranking.data?.overall ?? []}
        locale={{ emptyText: zh.contests.noRanking }}
        scroll={{ x: 480 }}
        data-testid="ranking"
        columns={[
          { title: zh.contests.rank, dataIndex: 'rank' },
          { title: zh.contests.project, dataIndex: 'title' },
          { title: zh.contests.organisation, dataIndex: 'organisationName' },
          { title: zh.contests.track, dataIndex: 'trackKey', render: (k: string) => trackName.get(k) ?? '' },
          { title: zh.contests.score, dataIndex: 'score', render: (s: number) => s.toFixed(2) },
          { title: zh.contests.amount, dataIndex: 'amountAskedFen', render: (f: number) => `${yuan(f)} ${zh.common.yuan}` },
        ]}
      />
    </>
  );
}

/** The funder's side: my pledges with what is left of each, a new pledge, and subscribing ranked entries. */
function FundingTab({ contest }: { contest: Contest }) {
  const me = useMe();
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const isFunder = hasRole(me, 'funder');
  const pledges = useQuery({
    queryKey: ['contest', contest.id, 'pledges'],
    queryFn: () => answer(api.GET('/api/v1/contests/{id}/pledges', { params: { path: { id: contest.id }, query: { limit: 100 } } })),
    refetchInterval: live(contest.phase),
  });
  // The ranked entries load when the funder opens the choice: the tab renders on the contest and the pledges.
  const [wantEntries, setWantEntries] = useState(false);
  const entries = useEntries(contest, wantEntries);
  const [pledgeForm] = Form.useForm<{ kind: 'cash' | 'goods' | 'services'; value: number; description?: string }>();
  const [subForm] = Form.useForm<{ entryId: string; pledgeId: string; amount: number }>();
  const [banner, setBanner] = useState<string | null>(null);
  const ranked = useMemo(() => [...(entries.data?.items ?? [])].filter((e) => e.rank !== null && e.rank !== undefined).sort(byRank), [entries.data]);
  const toYuan = (p: string) => (p === '/body/amountFen' ? ['amount'] : p === '/body/valueFen' ? ['value'] : p.startsWith('/body/') ? [p.slice(6)] : null);

  const pledge = async (v: { kind: 'cash' | 'goods' | 'services'; value: number; description?: string }) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/contests/{id}/pledges', { params: { path: { id: contest.id } }, body: { kind: v.kind, valueFen: Math.round(v.value * 100), description: v.description } }));
      message.success(zh.funding.pledged);
      pledgeForm.resetFields();
      await invalidate();
    } catch (err) {
      setBanner(showProblem(pledgeForm, err, toYuan));
    }
  };
  const subscribe = async (v: { entryId: string; pledgeId: string; amount: number }) => {
    setBanner(null);
    try {
      await unwrap(api.POST('/api/v1/contests/{id}/subscriptions', { params: { path: { id: contest.id } }, body: { entryId: v.entryId, pledgeId: v.pledgeId, amountFen: Math.round(v.amount * 100) } }));
      message.success(zh.funding.subscribed);
      subForm.resetFields(['amount']);
      await invalidate();
    } catch (err) {
      setBanner(showProblem(subForm, err, toYuan));
    }
  };
  const mayPledge = isFunder && ['open', 'screening', 'judging', 'results', 'funding'].includes(contest.phase);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {contest.phase === 'funding' && <Tag color="processing" data-testid="live">{zh.contests.live}</Tag>}
      {banner && <Alert type="error" showIcon title={banner} data-testid="form-error" />}
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={pledges.isPending}
        dataSource={pledges.data?.items ?? []}
        locale={{ emptyText: zh.common.none }}
        title={() => zh.funding.myPledges}
        scroll={{ x: 420 }}
        columns={[
          { title: zh.funding.kind, dataIndex: 'kind', render: (k: string) => label(zh.supportKinds, k) },
          { title: zh.funding.value, dataIndex: 'valueFen', render: (f: number) => yuan(f) },
          { title: zh.funding.allocated, dataIndex: 'allocatedFen', render: (f: number) => yuan(f) },
          { title: zh.funding.remaining, dataIndex: 'remainingFen', render: (f: number) => <span data-testid="pledge-remaining">{yuan(f)}</span> },
        ]}
      />
      {mayPledge && (
        <Card size="small" title={zh.funding.pledge}>
          <Form form={pledgeForm} layout="inline" onFinish={pledge} initialValues={{ kind: 'cash' }}>
            <Form.Item name="kind" label={zh.funding.kind}>
              <Select style={{ width: 100 }} options={Object.entries(zh.supportKinds).map(([value, text]) => ({ value, label: text }))} />
            </Form.Item>
            <Form.Item name="value" label={zh.funding.value} rules={[{ required: true, message: zh.common.required }]}>
              <InputNumber min={0.01} precision={2} style={{ width: 160 }} />
            </Form.Item>
            <Form.Item name="description" label={zh.funding.description}>
              <Input maxLength={2000} />
            </Form.Item>
            <Button type="primary" htmlType="submit" data-testid="pledge">
              {zh.funding.pledge}
            </Button>
          </Form>
        </Card>
      )}
      {isFunder && (
        <Card size="small" title={zh.funding.subscribe}>
          {contest.phase !== 'funding' ? (
            <Typography.Text type="secondary">{['awarded', 'closed', 'cancelled'].includes(contest.phase) ? zh.funding.over : zh.funding.notYet}</Typography.Text>
          ) : (
            <Form form={subForm} layout="vertical" onFinish={subscribe} style={{ maxWidth: 560 }}>
              <Form.Item name="entryId" label={zh.funding.entry} rules={[{ required: true, message: zh.common.required }]}>
                <Select
                  onOpenChange={(o) => o && setWantEntries(true)}
                  loading={wantEntries && entries.isPending}
                  notFoundContent={zh.common.none}
                  options={ranked.map((e) => ({
                    value: e.id,
                    label: `${e.rank}. ${e.title}（${zh.funding.stillNeeded} ${yuan(e.remainingNeedFen)} ${zh.common.yuan}）`,
                    disabled: e.remainingNeedFen <= 0,
                  }))}
                />
              </Form.Item>
              <Form.Item name="pledgeId" label={zh.funding.fromPledge} rules={[{ required: true, message: zh.common.required }]}>
                <Select
                  options={(pledges.data?.items ?? []).map((p) => ({
                    value: p.id,
                    label: `${label(zh.supportKinds, p.kind)} ${yuan(p.valueFen)}（${zh.funding.remaining} ${yuan(p.remainingFen)} ${zh.common.yuan}）`,
                    disabled: p.remainingFen <= 0,
                  }))}
                />
              </Form.Item>
              <Form.Item name="amount" label={zh.funding.amount} rules={[{ required: true, message: zh.common.required }]}>
                <InputNumber min={0.01} precision={2} style={{ width: 180 }} />
              </Form.Item>
              <Button type="primary" htmlType="submit" data-testid="subscribe">
                {zh.funding.subscribe}
              </Button>
            </Form>
          )}
        </Card>
      )}
    </Space>
  );
}

/** One contest: its phase and the moves allowed now (organiser), entries, judges, ranking and funding. */
export default function ContestPage() {
  const { id } = useParams() as { id: string };
  const me = useMe();
  const contest = useContest(id);
  if (contest.isError) return <Card>{problemText(contest.error)}</Card>;
  const c = contest.data;
  if (!c) return <Card loading />;
  const runs = Boolean(c.youRunIt);
  const funder = hasRole(me, 'funder');
  const round = c.currentRound !== null ? c.rounds[c.currentRound] : undefined;
  const entered = Object.values(c.entryCounts ?? {}).reduce((a, b) => a + b, 0);
  const tabs = [
    { key: 'entries', label: zh.contests.entries, children: <EntriesTab contest={c} /> },
    ...(runs ? [{ key: 'judges', label: zh.contests.judges, children: <JudgesTab contest={c} /> }] : []),
    { key: 'ranking', label: zh.contests.ranking, children: <RankingTab contest={c} /> },
    ...(runs || funder ? [{ key: 'funding', label: zh.funding.title, children: <FundingTab contest={c} /> }] : []),
  ];
  return (
    <Card
      title={c.name}
      extra={
        c.youJudgeIt && c.phase === 'judging' ? (
          <Link to={`/contests/${id}/judge`} data-testid="judge-link">
            {zh.contests.judgePage}
          </Link>
        ) : null
      }
    >
      <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3 }} bordered>
        <Descriptions.Item label={zh.contests.phase}>
          <Tag data-testid="phase">{label(zh.contestPhases, c.phase)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={zh.contests.entryCount}>{entered}</Descriptions.Item>
        <Descriptions.Item label={zh.contests.round}>
          {round ? `${round.name}${round.state ? `（${zh.contests.dueAt} ${dayjs(round.state.deadlineAt).format('YYYY-MM-DD HH:mm')}）` : ''}` : zh.common.none}
        </Descriptions.Item>
        {c.matchingPoolFen > 0 && <Descriptions.Item label={zh.contests.matchingPool}>{yuan(c.matchingPoolFen)}</Descriptions.Item>}
      </Descriptions>
      {runs && (
        <div style={{ marginTop: 12 }}>
          <Moves contest={c} />
          {c.allowedMoves.includes('award') && <AwardForm contest={c} />}
        </div>
      )}
      <Tabs style={{ marginTop: 12 }} destroyOnHidden defaultActiveKey={funder && !runs ? 'funding' : 'entries'} items={tabs} />
    </Card>
  );
}
