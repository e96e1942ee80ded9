import { Table, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { answer, api } from '../api/client';
import { fmt, label, yuan, zh } from '../i18n';
import { live, type Contest } from './contest-data';

// The results (资助结果) as tables beside the CSV downloads: each ranked entry with who gave what, and the totals per
// funder, per track and per kind of support.

const loadResults = (id: string) => answer(api.GET('/api/v1/contests/{id}/results', { params: { path: { id } } }));
type Results = Awaited<ReturnType<typeof loadResults>>;
type ResultEntry = Results['entries'][number];
type FunderTotal = Results['totals']['byFunder'][number];
type TrackTotal = Results['totals']['byTrack'][number];

const money = (f: number) => yuan(f);

export function ResultsTables({ contest }: { contest: Contest }) {
  const results = useQuery({ queryKey: ['contest', contest.id, 'results', contest.phase], queryFn: () => loadResults(contest.id), refetchInterval: live(contest.phase) });
  const r = results.data;
  const kinds = r ? (['cash', 'goods', 'services', 'government'] as const).map((k) => ({ kind: k, valueFen: r.totals.byKind[k] })) : [];
  return (
    <div data-testid="results">
      <Typography.Title level={5}>{zh.results.title}</Typography.Title>
      <Table<ResultEntry>
        rowKey="entryId"
        size="small"
        pagination={false}
        loading={results.isPending}
        dataSource={r?.entries ?? []}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 640 }}
        data-testid="results-entries"
        columns={[
          { title: zh.contests.rank, dataIndex: 'rank' },
          { title: zh.contests.project, dataIndex: 'title' },
          { title: zh.contests.track, dataIndex: 'trackName' },
          { title: zh.contests.amount, dataIndex: 'amountAskedFen', render: money },
          { title: zh.funding.subscribedFen, dataIndex: 'subscribedFen', render: money },
          { title: zh.results.matching, dataIndex: 'matchingFen', render: money },
          { title: zh.results.total, dataIndex: 'totalFen', render: money },
          {
            title: zh.results.whoGave,
            key: 'funding',
            render: (_: unknown, e: ResultEntry) =>
              e.funding.length
                ? e.funding.map((f, i) => <div key={i}>{`${f.kind === 'government' ? zh.results.government : f.name}（${label(zh.fundingKinds, f.kind)}）${yuan(f.valueFen)}`}</div>)
                : '—',
          },
          { title: zh.results.rescoping, dataIndex: 'rescoping', render: (s: string | null) => (s ? label(zh.rescopingStatus, s) : '—') },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {zh.results.byFunder}
      </Typography.Title>
      <Table<FunderTotal>
        rowKey="funderOrganisationId"
        size="small"
        pagination={false}
        loading={results.isPending}
        dataSource={r?.totals.byFunder ?? []}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 420 }}
        data-testid="results-funders"
        columns={[
          { title: zh.results.funder, dataIndex: 'name' },
          { title: zh.results.pledged, dataIndex: 'pledgedFen', render: money },
          { title: zh.funding.allocated, dataIndex: 'subscribedFen', render: money },
          { title: zh.funding.remaining, dataIndex: 'remainingFen', render: money },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {zh.results.byTrack}
      </Typography.Title>
      <Table<TrackTotal>
        rowKey="trackKey"
        size="small"
        pagination={false}
        loading={results.isPending}
        dataSource={r?.totals.byTrack ?? []}
        locale={{ emptyText: zh.common.none }}
        scroll={{ x: 420 }}
        data-testid="results-tracks"
        columns={[
          { title: zh.contests.track, dataIndex: 'name' },
          { title: zh.results.ranked, dataIndex: 'ranked' },
          { title: zh.contests.amount, dataIndex: 'askedFen', render: money },
          { title: zh.funding.subscribedFen, dataIndex: 'subscribedFen', render: money },
          { title: zh.results.matching, dataIndex: 'matchingFen', render: money },
          { title: zh.results.total, dataIndex: 'totalFen', render: money },
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {zh.results.byKind}
      </Typography.Title>
      <Table
        rowKey="kind"
        size="small"
        pagination={false}
        loading={results.isPending}
        dataSource={kinds}
        data-testid="results-kinds"
        columns={[
          { title: zh.funding.kind, dataIndex: 'kind', render: (k: string) => label(zh.fundingKinds, k) },
          { title: zh.results.total, dataIndex: 'valueFen', render: money },
        ]}
      />
      {r && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 12 }} data-testid="results-overall">
          {fmt(r.totals.overall.returnedFen > 0 ? zh.results.overallReturned : zh.results.overall, {
            total: yuan(r.totals.overall.totalFen),
            returned: yuan(r.totals.overall.returnedFen),
            funded: yuan(r.totals.overall.fundedFen),
          })}
        </Typography.Paragraph>
      )}
    </div>
  );
}
