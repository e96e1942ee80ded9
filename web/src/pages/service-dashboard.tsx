import { useEffect, useMemo, useRef } from 'react';
import { Card, Col, Row, Statistic, TreeSelect, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Navigate, useNavigate, useParams } from 'react-router';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { answer, api } from '../api/client';
import { fmt, label, zh } from '../i18n';
import { problemText } from '../lib/errors';
import { useMe } from '../session';
import { regionPicker, regionTree, useRegions } from './library';

echarts.use([BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

const STATUS_ORDER = ['ordered', 'dispatched', 'accepted', 'in_service', 'served', 'rated', 'unrated', 'escalated', 'cancelled'];

function StatusChart({ counts }: { counts: Record<string, number> }) {
  const el = useRef<HTMLDivElement>(null);
  const option = useMemo(
    () => ({
      animation: false,
      tooltip: {},
      grid: { left: 36, right: 8, bottom: 56, top: 10 },
      xAxis: { type: 'category', data: STATUS_ORDER.map((s) => label(zh.orderStatus, s)), axisLabel: { rotate: 40 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: STATUS_ORDER.map((s) => counts[s] ?? 0), itemStyle: { color: '#c0392b' } }],
    }),
    [counts],
  );
  useEffect(() => {
    const chart = echarts.init(el.current!);
    chart.setOption(option);
    const resize = () => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [option]);
  return <div ref={el} style={{ height: 260, width: '100%' }} data-testid="chart-order-status" />;
}

const percent = (share: number | null) => (share === null ? zh.common.none : `${Math.round(share * 1000) / 10}%`);

/** A region's service orders: by status, time to acceptance, completion and rating rates, and the time bank. */
export function ServiceDashboardPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const board = useQuery({ queryKey: ['service-dashboard', id], queryFn: () => answer(api.GET('/api/v1/regions/{id}/service-dashboard', { params: { path: { id } } })) });
  const d = board.data;
  return (
    <Card
      title={zh.serviceDashboard.title}
      extra={<TreeSelect aria-label={zh.serviceDashboard.region} {...regionPicker(tree)} value={id} onChange={(r: string) => void navigate(`/regions/${r}/service-dashboard`)} style={{ minWidth: 160 }} />}
    >
      {board.isError && <Typography.Text type="danger">{problemText(board.error)}</Typography.Text>}
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <div data-testid="orders-total">
            <Statistic title={zh.serviceDashboard.orders} value={d?.orders ?? 0} loading={board.isPending} />
          </div>
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.medianAccept} value={d?.medianSecondsToAccept == null ? zh.common.none : fmt(zh.serviceDashboard.minutes, { n: Math.round(d.medianSecondsToAccept / 60) })} loading={board.isPending} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.completionRate} value={percent(d?.completionRate ?? null)} loading={board.isPending} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.ratingRate} value={percent(d?.ratingRate ?? null)} loading={board.isPending} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.volunteers} value={d?.timeBank.volunteers ?? 0} loading={board.isPending} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.hours} value={d?.timeBank.hours ?? 0} precision={1} loading={board.isPending} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.earned} value={d?.timeBank.earnedPoints ?? 0} loading={board.isPending} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={zh.serviceDashboard.redeemed} value={d?.timeBank.redeemedPoints ?? 0} loading={board.isPending} />
        </Col>
      </Row>
      <h4>{zh.serviceDashboard.byStatus}</h4>
      {d && <StatusChart counts={d.ordersByStatus} />}
    </Card>
  );
}

/** The menu's entry: the dashboard of the signed-in worker's own region. */
export function MyServiceDashboard() {
  const me = useMe();
  const regions = useRegions(!me.region);
  const id = me.region?.id ?? regions.data?.items.find((r) => r.parentId === null)?.id;
  if (!id) return <Card title={zh.serviceDashboard.title} loading />;
  return <Navigate to={`/regions/${id}/service-dashboard`} replace />;
}
