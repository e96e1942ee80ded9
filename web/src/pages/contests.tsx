import { useMemo, useState } from 'react';
import { Alert, App, Button, Card, Form, Input, InputNumber, Select, Space, Table, Tag, TreeSelect, Typography } from 'antd';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import dayjs from 'dayjs';
import { answer, api } from '../api/client';
import type { paths } from '../api/schema';
import { fmt, label, zh } from '../i18n';
import { problemText, showProblem } from '../lib/errors';
import { hasRole, useMe } from '../session';
import { regionPicker, regionTree, usePrograms, useRegions } from './library';
import { shownPhase } from './contest-data';

type ContestRow = paths['/api/v1/contests']['get']['responses'][200]['content']['application/json']['items'][number];

interface Values {
  name: string;
  regionId: string;
  programmeIds: string[];
  trackName: string;
  judgesPerEntry: number;
  matchingPool?: number;
}

/** The defaults a new contest starts from: one track, one online round of two weighted criteria, raw means. */
export function contestDefaults(v: Values) {
  return {
    name: v.name,
    regionId: v.regionId,
    programmeIds: v.programmeIds,
    tracks: [{ key: 'main', name: v.trackName }],
    rounds: [
      {
        key: 'preliminary',
        name: '网络初评',
        kind: 'online' as const,
        criteria: [
          { key: 'need', name: '需求契合', weight: 60, minScore: 0, maxScore: 10 },
          { key: 'design', name: '项目设计', weight: 40, minScore: 0, maxScore: 10 },
        ],
        judgesPerEntry: v.judgesPerEntry,
        judgingDeadline: 'P7D',
      },
    ],
    normalisation: 'raw_mean' as const,
    blind: false,
    matchingPoolFen: Math.round((v.matchingPool ?? 0) * 100),
    matchingCapPerEntryFen: 0,
  };
}

function toField(pointer: string): (string | number)[] | null {
  const m = pointer.match(/^\/body\/(name|regionId|programmeIds)(\/\d+)?$/);
  if (m) return [m[1]];
  if (pointer.startsWith('/body/rounds/0/judgesPerEntry')) return ['judgesPerEntry'];
  if (pointer.startsWith('/body/tracks')) return ['trackName'];
  if (pointer.startsWith('/body/matching')) return ['matchingPool'];
  return null;
}

/** 公益创投: the contests one may see; an organiser creates one from the defaults. */
export default function ContestsPage() {
  const me = useMe();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [banner, setBanner] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const isOrganiser = hasRole(me, 'organiser', 'admin');
  const contests = useQuery({ queryKey: ['contests'], queryFn: () => answer(api.GET('/api/v1/contests', { params: { query: { limit: 100 } } })) });
  // The form's choices load when it is opened: the list renders on one call.
  const regions = useRegions(creating);
  const programmes = usePrograms(creating);
  const tree = useMemo(() => regionTree(regions.data?.items ?? []), [regions.data]);

  const onFinish = async (v: Values) => {
    setBanner(null);
    try {
      const created = await answer(api.POST('/api/v1/contests', { body: contestDefaults(v) }));
      message.success(zh.contests.created);
      await queryClient.invalidateQueries({ queryKey: ['contests'] });
      navigate(`/contests/${created.id}`);
    } catch (err) {
      setBanner(showProblem(form, err, toField));
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Card title={zh.contests.title}>
        {contests.isError && <Alert type="error" title={problemText(contests.error)} />}
        <Table<ContestRow>
          rowKey="id"
          size="small"
          pagination={false}
          loading={contests.isPending}
          dataSource={contests.data?.items ?? []}
          locale={{ emptyText: zh.common.none }}
          scroll={{ x: 360 }}
          columns={[
            { title: zh.contests.name, dataIndex: 'name', render: (n: string, c) => <Link to={`/contests/${c.id}`}>{n}</Link> },
            {
              title: zh.contests.phase,
              dataIndex: 'phase',
              render: (_: string, c) => (
                <>
                  <Tag data-testid="contest-phase">{label(zh.contestPhases, shownPhase(c))}</Tag>
                  {c.cancelled && (
                    <Typography.Text type="secondary" style={{ display: 'block', marginTop: 4 }} data-testid="contest-cancelled">
                      {c.cancelled.reason === null
                        ? fmt(zh.contests.cancelledOnNoReason, { at: dayjs(c.cancelled.at).format('YYYY-MM-DD') })
                        : fmt(zh.contests.cancelledOn, { at: dayjs(c.cancelled.at).format('YYYY-MM-DD'), reason: c.cancelled.reason })}
                    </Typography.Text>
                  )}
                </>
              ),
            },
            { title: zh.contests.createdAt, dataIndex: 'createdAt', responsive: ['sm'], render: (d: string) => dayjs(d).format('YYYY-MM-DD') },
          ]}
        />
      </Card>
      {isOrganiser && !creating && (
        <Button type="primary" onClick={() => setCreating(true)} data-testid="open-contest-form">
          {zh.contests.create}
        </Button>
      )}
      {isOrganiser && creating && (
        <Card title={zh.contests.create}>
          <Alert type="info" title={zh.contests.createHint} style={{ marginBottom: 12 }} />
          {banner && <Alert type="error" showIcon title={banner} style={{ marginBottom: 12 }} data-testid="form-error" />}
          <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 640 }} initialValues={{ trackName: '综合赛道', judgesPerEntry: 1, matchingPool: 0 }}>
            <Form.Item name="name" label={zh.contests.name} rules={[{ required: true, message: zh.common.required }]}>
              <Input maxLength={200} />
            </Form.Item>
            <Form.Item name="regionId" label={zh.contests.region} rules={[{ required: true, message: zh.common.required }]}>
              <TreeSelect {...regionPicker(tree)} loading={regions.isPending} />
            </Form.Item>
            <Form.Item name="programmeIds" label={zh.contests.programmes} rules={[{ required: true, message: zh.common.required }]}>
              <Select mode="multiple" loading={programmes.isPending} options={(programmes.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))} />
            </Form.Item>
            <Space wrap align="start">
              <Form.Item name="trackName" label={zh.contests.track} rules={[{ required: true, message: zh.common.required }]}>
                <Input maxLength={100} />
              </Form.Item>
              <Form.Item name="judgesPerEntry" label={zh.contests.judgesPerEntry} rules={[{ required: true, message: zh.common.required }]}>
                <InputNumber min={1} max={50} precision={0} />
              </Form.Item>
              <Form.Item name="matchingPool" label={zh.contests.matchingPool}>
                <InputNumber min={0} precision={2} style={{ width: 160 }} />
              </Form.Item>
            </Space>
            <div>
              <Button type="primary" htmlType="submit" data-testid="create-contest">
                {zh.contests.create}
              </Button>
            </div>
          </Form>
        </Card>
      )}
    </Space>
  );
}
