import { useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Descriptions, Form, Input, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import dayjs, { type Dayjs } from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import { fmt, label, yuan, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { byRank, shownPhase, useContest, useEntries, useInvalidateContest, type Contest, type ContestEntry } from './contest-data';
import { FundingTab } from './contest-funding';
import { JudgesTab } from './contest-judging';
import { ResultsTables } from './contest-results';
import { allPages, PAGE_MOST } from '../lib/all-pages';

export { useContest, type Contest } from './contest-data';

const loadRanking = (id: string) => answer(api.GET('/api/v1/contests/{id}/ranking', { params: { path: { id } } }));
type RankingRow = Awaited<ReturnType<typeof loadRanking>>['overall'][number];

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

/** Cancelling before judging starts (取消大赛): the reason is kept and the entered projects go back to the library. */
function CancelContest({ contest }: { contest: Contest }) {
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const [banner, setBanner] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Only entries still entered go back to the library on cancelling (withdrawn and screened-out ones already did).
  const entered = contest.entryCounts?.entered ?? 0;
  const onFinish = async (v: { reason: string }) => {
    setBanner(null);
    setPending(true);
    try {
      await answer(api.POST('/api/v1/contests/{id}/cancel', { params: { path: { id: contest.id } }, body: { reason: v.reason } }));
      message.success(zh.contests.cancelled);
      setOpen(false);
      await invalidate();
    } catch (err) {
      setBanner(showProblem(form, err));
    } finally {
      setPending(false);
    }
  };
  return (
    <>
      <Button danger onClick={() => setOpen(true)} data-testid="move-cancel">
        {label(zh.contestMoves, 'cancel')}
      </Button>
      <Modal
        open={open}
        title={zh.contests.cancelTitle}
        okText={zh.contests.cancelConfirm}
        okButtonProps={{ danger: true, loading: pending, 'data-testid': 'confirm-cancel' }}
        cancelText={zh.contests.keep}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Typography.Paragraph>{fmt(zh.contests.cancelHint, { n: entered })}</Typography.Paragraph>
        {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 8 }} />}
        <Form form={form} layout="vertical" onFinish={onFinish}>
          <Form.Item name="reason" label={zh.contests.cancelReason} rules={[{ required: true, whitespace: true, message: zh.common.required }]}>
            <Input.TextArea rows={3} maxLength={2000} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

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
    queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/projects', { params: { query: { stage: ['approved'], limit: PAGE_MOST, cursor } } }))),
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
      {contest.publishedAt && <ResultsTables contest={contest} />}
    </>
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
          <Tag data-testid="phase">{label(zh.contestPhases, shownPhase(c))}</Tag>
        </Descriptions.Item>
        {c.cancelled && (
          <>
            <Descriptions.Item label={zh.contests.cancelledAt}>
              <span data-testid="cancelled-at">{dayjs(c.cancelled.at).format('YYYY-MM-DD HH:mm')}</span>
            </Descriptions.Item>
            <Descriptions.Item label={zh.contests.cancelReason}>
              <span data-testid="cancel-reason">{c.cancelled.reason ?? zh.contests.reasonNotKept}</span>
            </Descriptions.Item>
          </>
        )}
        <Descriptions.Item label={zh.contests.entryCount}>{entered}</Descriptions.Item>
        <Descriptions.Item label={zh.contests.round}>
          {round ? `${round.name}${round.state ? `（${zh.contests.dueAt} ${dayjs(round.state.deadlineAt).format('YYYY-MM-DD HH:mm')}）` : ''}` : zh.common.none}
        </Descriptions.Item>
        {c.matchingPoolFen > 0 && <Descriptions.Item label={zh.contests.matchingPool}>{yuan(c.matchingPoolFen)}</Descriptions.Item>}
      </Descriptions>
      {runs && (
        <div style={{ marginTop: 12 }}>
          <Space wrap>
            <Moves contest={c} />
            {c.allowedMoves.includes('cancel') && <CancelContest contest={c} />}
          </Space>
          {c.allowedMoves.includes('award') && <AwardForm contest={c} />}
        </div>
      )}
      <Tabs style={{ marginTop: 12 }} destroyOnHidden defaultActiveKey={funder && !runs ? 'funding' : 'entries'} items={tabs} />
    </Card>
  );
}
