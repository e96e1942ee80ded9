import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { answer, api, unwrap } from '../api/client';
import { fmt, label, yuan, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { byRank, live, useEntries, useInvalidateContest, type Contest } from './contest-data';
import { allPages, PAGE_MOST } from '../lib/all-pages';

// The funder's side of a contest: pledges with what is left of each, a new pledge, subscribing ranked entries, and
// taking back what was offered (what is left of a pledge before the award; a subscription while funding is on).

const loadPledges = (id: string) => allPages((cursor) => answer(api.GET('/api/v1/contests/{id}/pledges', { params: { path: { id }, query: { limit: PAGE_MOST, cursor } } })));
type Pledge = Awaited<ReturnType<typeof loadPledges>>['items'][number];
const loadSubscriptions = (id: string) => allPages((cursor) => answer(api.GET('/api/v1/contests/{id}/subscriptions', { params: { path: { id }, query: { limit: PAGE_MOST, cursor } } })));
type Subscription = Awaited<ReturnType<typeof loadSubscriptions>>['items'][number];

/** A pledge may be taken back until the award; a subscription only while the funding race is on. */
const BEFORE_AWARD = ['draft', 'open', 'screening', 'judging', 'results', 'funding'];

export function FundingTab({ contest }: { contest: Contest }) {
  const me = useMe();
  const { message } = App.useApp();
  const invalidate = useInvalidateContest(contest.id);
  const isFunder = hasRole(me, 'funder');
  const pledges = useQuery({ queryKey: ['contest', contest.id, 'pledges'], queryFn: () => loadPledges(contest.id), refetchInterval: live(contest.phase) });
  // Subscriptions (and the entries naming them) load once a pledge has been drawn on: the tab renders on the contest and the pledges.
  const drawn = (pledges.data?.items ?? []).some((p) => p.allocatedFen > 0);
  const subscriptions = useQuery({ queryKey: ['contest', contest.id, 'subscriptions'], enabled: drawn, queryFn: () => loadSubscriptions(contest.id), refetchInterval: live(contest.phase) });
  const [wantEntries, setWantEntries] = useState(false);
  const entries = useEntries(contest, wantEntries || drawn);
  const [pledgeForm] = Form.useForm<{ kind: 'cash' | 'goods' | 'services'; value: number; description?: string }>();
  const [subForm] = Form.useForm<{ entryId: string; pledgeId: string; amount: number }>();
  const [banner, setBanner] = useState<string | null>(null);
  const ranked = useMemo(() => [...(entries.data?.items ?? [])].filter((e) => e.rank !== null && e.rank !== undefined).sort(byRank), [entries.data]);
  const entryTitle = new Map((entries.data?.items ?? []).map((e) => [e.id, e.title]));
  const pledgeById = new Map((pledges.data?.items ?? []).map((p) => [p.id, p]));
  const toYuan = (p: string) => (p === '/body/amountFen' ? ['amount'] : p === '/body/valueFen' ? ['value'] : p.startsWith('/body/') ? [p.slice(6)] : null);
  const pledgeName = (p: Pledge) => `${label(zh.supportKinds, p.kind)} ${yuan(p.valueFen)} ${zh.common.yuan}`;

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
  const withdraw = async (p: Pledge) => {
    setBanner(null);
    try {
      const r = await answer(api.POST('/api/v1/contests/{id}/pledges/{pledgeId}/withdraw', { params: { path: { id: contest.id, pledgeId: p.id } }, body: {} }));
      message.success(fmt(r.removed ? zh.funding.withdrawnWhole : zh.funding.withdrawn, { amount: yuan(r.withdrawnFen), kept: yuan(r.pledge.allocatedFen) }));
      await invalidate();
    } catch (err) {
      setBanner(problemText(err));
    }
  };
  const cancel = async (s: Subscription) => {
    setBanner(null);
    try {
      const r = await answer(api.POST('/api/v1/contests/{id}/subscriptions/{subscriptionId}/cancel', { params: { path: { id: contest.id, subscriptionId: s.id } }, body: {} }));
      message.success(fmt(zh.funding.cancelled, { amount: yuan(r.amountFen), pledgeLeft: yuan(r.pledgeRemainingFen), entryNeeds: yuan(r.entryRemainingFen) }));
      await invalidate();
    } catch (err) {
      setBanner(problemText(err));
    }
  };
  const mayPledge = isFunder && ['open', 'screening', 'judging', 'results', 'funding'].includes(contest.phase);
  const mayWithdraw = BEFORE_AWARD.includes(contest.phase);
  const mayCancel = contest.phase === 'funding';
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {contest.phase === 'funding' && <Tag color="processing" data-testid="live">{zh.contests.live}</Tag>}
      {banner && <Alert type="error" showIcon title={banner} data-testid="form-error" />}
      <Table<Pledge>
        rowKey="id"
        size="small"
        pagination={false}
        loading={pledges.isPending}
        dataSource={pledges.data?.items ?? []}
        locale={{ emptyText: zh.common.none }}
        title={() => (isFunder ? zh.funding.myPledges : zh.funding.pledges)}
        scroll={{ x: 420 }}
        data-testid="pledges"
        columns={[
          { title: zh.funding.kind, dataIndex: 'kind', render: (k: string) => label(zh.supportKinds, k) },
          { title: zh.funding.value, dataIndex: 'valueFen', render: (f: number) => yuan(f) },
          { title: zh.funding.allocated, dataIndex: 'allocatedFen', render: (f: number) => yuan(f) },
          { title: zh.funding.remaining, dataIndex: 'remainingFen', render: (f: number) => <span data-testid="pledge-remaining">{yuan(f)}</span> },
          ...(mayWithdraw
            ? [
                {
                  title: zh.funding.takeBack,
                  key: 'withdraw',
                  render: (_: unknown, p: Pledge) =>
                    p.remainingFen > 0 ? (
                      <Popconfirm
                        title={zh.funding.withdraw}
                        description={fmt(p.allocatedFen > 0 ? zh.funding.withdrawConfirm : zh.funding.withdrawWholeConfirm, { amount: yuan(p.remainingFen), kept: yuan(p.allocatedFen) })}
                        okText={zh.funding.withdraw}
                        okButtonProps={{ danger: true, 'data-testid': 'confirm-withdraw' }}
                        cancelText={zh.common.cancel}
                        onConfirm={() => withdraw(p)}
                      >
                        <Button size="small" danger data-testid="withdraw-pledge">
                          {zh.funding.withdraw}
                        </Button>
                      </Popconfirm>
                    ) : null,
                },
              ]
            : []),
        ]}
      />
      {drawn && (
        <Table<Subscription>
          rowKey="id"
          size="small"
          pagination={false}
          loading={subscriptions.isPending}
          dataSource={subscriptions.data?.items ?? []}
          locale={{ emptyText: zh.common.none }}
          title={() => zh.funding.subscriptions}
          scroll={{ x: 420 }}
          data-testid="subscriptions"
          columns={[
            { title: zh.funding.entry, dataIndex: 'entryId', render: (id: string) => entryTitle.get(id) ?? '—' },
            { title: zh.funding.kind, dataIndex: 'kind', render: (k: string) => label(zh.supportKinds, k) },
            { title: zh.funding.amount, dataIndex: 'amountFen', render: (f: number) => yuan(f) },
            ...(mayCancel
              ? [
                  {
                    title: zh.funding.takeBack,
                    key: 'cancel',
                    render: (_: unknown, s: Subscription) => {
                      const p = pledgeById.get(s.pledgeId);
                      return (
                        <Popconfirm
                          title={zh.funding.cancelSubscription}
                          description={fmt(zh.funding.cancelConfirm, { amount: yuan(s.amountFen), pledge: p ? pledgeName(p) : '', project: entryTitle.get(s.entryId) ?? '' })}
                          okText={zh.funding.cancelSubscription}
                          okButtonProps={{ danger: true, 'data-testid': 'confirm-cancel-subscription' }}
                          cancelText={zh.common.cancel}
                          onConfirm={() => cancel(s)}
                        >
                          <Button size="small" danger data-testid="cancel-subscription">
                            {zh.funding.cancelSubscription}
                          </Button>
                        </Popconfirm>
                      );
                    },
                  },
                ]
              : []),
          ]}
        />
      )}
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
