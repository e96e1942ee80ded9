import { App, Button, Card, Descriptions, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import dayjs from 'dayjs';
import { answer, api, unwrap } from '../api/client';
import { fmt, label, yuan, zh } from '../i18n';
import { problemText } from '../lib/errors';
import { colourTag } from '../lib/tags';
import { hasRole, useMe } from '../session';
import { AgreementTab, EvaluationTab, SupervisionTab } from './project-delivery';
import { ColourTab, RectificationTab, VersionsTab, WorkTab } from './project-work';
import { ClosureCard } from './project-closure';
import { RescopingCard } from './project-rescoping';
import { ServiceMenuTab } from './project-menu';
import { MonitoringTab, WithdrawButton } from './project-monitoring';

export function useProject(id: string) {
  return useQuery({ queryKey: ['project', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}', { params: { path: { id } } })) });
}

function ReviewTab({ id }: { id: string }) {
  const review = useQuery({ queryKey: ['review', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/review', { params: { path: { id } } })) });
  if (review.isError) return <Typography.Text type="secondary">{problemText(review.error)}</Typography.Text>;
  return (
    <>
      <Table
        rowKey={(r) => `${r.reviewerId ?? ''}${r.dueAt}`}
        size="small"
        loading={review.isPending}
        pagination={false}
        dataSource={review.data?.panel ?? []}
        locale={{ emptyText: zh.review.noPanel }}
        columns={[
          { title: zh.review.reviewer, dataIndex: 'reviewerName', render: (n: string | null) => n ?? '—' },
          { title: zh.review.status, dataIndex: 'status', render: (s: string) => label(zh.reviewStatus, s) },
          { title: zh.review.total, dataIndex: 'total', render: (t: number | null) => (t === null ? '—' : t.toFixed(1)) },
        ]}
      />
      {review.data?.decision && (
        <Descriptions size="small" column={1} style={{ marginTop: 12 }}>
          <Descriptions.Item label={zh.review.decision}>{label(zh.decisions, review.data.decision.decision)}</Descriptions.Item>
          <Descriptions.Item label={zh.review.comment}>{review.data.decision.comment}</Descriptions.Item>
        </Descriptions>
      )}
    </>
  );
}

function TimelineTab({ id }: { id: string }) {
  const events = useQuery({ queryKey: ['timeline', id], queryFn: () => answer(api.GET('/api/v1/projects/{id}/timeline', { params: { path: { id } } })) });
  return (
    <Timeline
      items={(events.data?.items ?? []).map((e) => ({
        key: e.id,
        // A reason the event carries (withdrawing, terminating, leaving a contest, declining a re-scoping, a rectification ordered) is shown after it.
        content: `${dayjs(e.at).format('YYYY-MM-DD HH:mm')} ${label(zh.events, e.kind)}${e.actorName ? `（${e.actorName}）` : ''}${typeof e.data.reason === 'string' && e.data.reason.trim() ? `：${e.data.reason}` : ''}`,
      }))}
    />
  );
}

export default function ProjectPage() {
  const { id } = useParams() as { id: string };
  // A task opens the tab where it is done (?tab=supervision, evaluation, monitoring).
  const [search] = useSearchParams();
  const me = useMe();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const project = useProject(id);
  const submit = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/projects/{id}/design/submit', { params: { path: { id } } })),
    onSuccess: async () => {
      message.success(zh.project.submitted);
      await queryClient.invalidateQueries({ queryKey: ['project', id] });
      await queryClient.invalidateQueries({ queryKey: ['timeline', id] });
    },
    onError: (err) => message.error(problemText(err)),
  });
  if (project.isError) return <Card>{problemText(project.error)}</Card>;
  const p = project.data;
  if (!p) return <Card loading />;
  const stage = p.live?.stage ?? p.stage;
  const draft = p.draft;
  return (
    <Card
      title={p.title}
      extra={
        <Space wrap>
          {hasRole(me, 'applicant') && (stage === 'design' || stage === 'revision') && (
            <Button type="primary" loading={submit.isPending} onClick={() => submit.mutate()} data-testid="submit-design">
              {zh.project.submit}
            </Button>
          )}
          {hasRole(me, 'officer') && stage === 'review' && <Link to={`/projects/${id}/review`}>{zh.project.reviewPage}</Link>}
          {hasRole(me, 'reviewer') && stage === 'review' && <Link to={`/projects/${id}/score`}>{zh.project.scorePage}</Link>}
          <WithdrawButton project={p} />
        </Space>
      }
    >
      <Descriptions size="small" column={{ xs: 1, sm: 2, md: 3 }} bordered>
        <Descriptions.Item label={zh.project.stage}>
          <Tag data-testid="stage">{label(zh.stages, stage)}</Tag>
        </Descriptions.Item>
        <Descriptions.Item label={zh.project.colour}>{colourTag(p.colour)}</Descriptions.Item>
        <Descriptions.Item label={zh.project.amount}>
          {yuan(p.amountAskedFen)} {zh.common.yuan}
        </Descriptions.Item>
        <Descriptions.Item label={zh.project.targetGroups}>{p.targetGroups.map((g) => label(zh.targetGroups, g)).join('、')}</Descriptions.Item>
        <Descriptions.Item label={zh.project.versionLabel}>{fmt(zh.project.version, { n: p.currentVersion })}</Descriptions.Item>
        <Descriptions.Item label={zh.project.summary}>{p.summary || zh.common.none}</Descriptions.Item>
      </Descriptions>
      <ClosureCard project={p} />
      <RescopingCard project={p} />
      <Tabs
        style={{ marginTop: 12 }}
        destroyOnHidden
        defaultActiveKey={search.get('tab') ?? undefined}
        items={[
          {
            key: 'record',
            label: zh.project.record,
            children: (
              <Descriptions size="small" column={1}>
                <Descriptions.Item label={zh.project.objectives}>
                  {draft.objectives.map((o, i) => (
                    <div key={i}>
                      {o.description}：{o.indicators.map((x) => `${x.name} ${x.target}${x.unit}`).join('，')}
                    </div>
                  ))}
                </Descriptions.Item>
                <Descriptions.Item label={zh.project.team}>
                  {zh.create.staff} {draft.team.staff}，{zh.create.certified} {draft.team.certifiedSocialWorkers}，{zh.create.volunteers} {draft.team.volunteers}，{zh.create.lead} {draft.team.lead}
                </Descriptions.Item>
                <Descriptions.Item label={zh.project.budget}>
                  {draft.budgetLines.map((l, i) => (
                    <div key={i}>
                      {l.item}：{yuan(l.amountFen)} {zh.common.yuan}
                    </div>
                  ))}
                </Descriptions.Item>
              </Descriptions>
            ),
          },
          { key: 'versions', label: zh.versions.tab, children: <VersionsTab project={p} /> },
          { key: 'colour', label: zh.colourHistory.tab, children: <ColourTab project={p} /> },
          { key: 'timeline', label: zh.project.timeline, children: <TimelineTab id={id} /> },
          ...(hasRole(me, 'officer', 'reviewer', 'applicant', 'admin') ? [{ key: 'review', label: zh.project.review, children: <ReviewTab id={id} /> }] : []),
          { key: 'agreement', label: zh.delivery.tab, children: <AgreementTab project={p} /> },
          { key: 'work', label: zh.work.tab, children: <WorkTab project={p} /> },
          { key: 'monitoring', label: zh.monitoring.tab, children: <MonitoringTab project={p} /> },
          ...(['delivery', 'rectification', 'evaluation', 'closed', 'terminated'].includes(stage) ? [{ key: 'service-menu', label: zh.serviceMenu.tab, children: <ServiceMenuTab project={p} /> }] : []),
          { key: 'supervision', label: zh.supervision.tab, children: <SupervisionTab project={p} /> },
          { key: 'evaluation', label: zh.evaluation.tab, children: <EvaluationTab project={p} /> },
          { key: 'rectification', label: zh.rectification.tab, children: <RectificationTab project={p} /> },
        ]}
      />
    </Card>
  );
}
