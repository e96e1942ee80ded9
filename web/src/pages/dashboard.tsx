import { useEffect, useRef, useState } from 'react';
import { Card, Col, Row, Statistic, TreeSelect } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { answer, api } from '../api/client';
import { label, zh } from '../i18n';
import { useMe } from '../session';
import { regionPicker, regionTree, useRegions } from './library';

echarts.use([BarChart, PieChart, GridComponent, TooltipComponent, CanvasRenderer]);

function Chart({ option, testId }: { option: echarts.EChartsCoreOption; testId: string }) {
  const el = useRef<HTMLDivElement>(null);
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
  return <div ref={el} style={{ height: 280, width: '100%' }} data-testid={testId} />;
}

const COLOURS: Record<string, string> = { green: '#52c41a', blue: '#1677ff', yellow: '#faad14', red: '#f5222d' };

/** Counts by stage and colour for a region and everything below it. */
export default function DashboardPage() {
  const me = useMe();
  const regions = useRegions();
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);
  const [picked, setPicked] = useState<string | undefined>();
  const regionId = picked ?? me.region?.id ?? tree[0]?.value;
  const stats = useQuery({
    queryKey: ['stats', regionId],
    enabled: Boolean(regionId),
    queryFn: () => answer(api.GET('/api/v1/projects/stats', { params: { query: { regionId: regionId! } } })),
  });
  const byStage = stats.data?.byStage ?? {};
  const byColour = stats.data?.byColour ?? {};
  const total = Object.values(byStage).reduce((a, b) => a + b, 0);
  const stageOption = useMemo(
    () => ({
      animation: false,
      tooltip: {},
      grid: { left: 40, right: 10, bottom: 60, top: 10 },
      xAxis: { type: 'category', data: Object.keys(byStage).map((s) => label(zh.stages, s)), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: Object.values(byStage), itemStyle: { color: '#c0392b' } }],
    }),
    [byStage],
  );
  const colourOption = useMemo(
    () => ({
      animation: false,
      tooltip: {},
      series: [{ type: 'pie', radius: '65%', data: Object.entries(byColour).map(([c, n]) => ({ name: label(zh.colours, c), value: n, itemStyle: { color: COLOURS[c] } })) }],
    }),
    [byColour],
  );
  return (
    <Card title={zh.dashboard.title} extra={<TreeSelect {...regionPicker(tree)} value={regions.data ? regionId : undefined} loading={regions.isPending} onChange={setPicked} style={{ minWidth: 180 }} aria-label={zh.demand.region} />}>
      <Statistic title={zh.dashboard.total} value={total} loading={stats.isPending} />
      <Row gutter={16}>
        <Col xs={24} md={14}>
          <h4>{zh.dashboard.byStage}</h4>
          <Chart option={stageOption} testId="chart-stage" />
        </Col>
        <Col xs={24} md={10}>
          <h4>{zh.dashboard.byColour}</h4>
          <Chart option={colourOption} testId="chart-colour" />
        </Col>
      </Row>
    </Card>
  );
}
