import { Card, Empty, List, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import dayjs from 'dayjs';
import { answer, api } from '../api/client';
import type { Task } from '../api/types';
import { zh } from '../i18n';
import { problemText } from '../lib/errors';
import { allPages, PAGE_MOST } from '../lib/all-pages';

/** Where a task is done. */
export function taskLink(t: Task): string {
  // Service-order tasks (some carry the order's project) open the page where their step is taken.
  const orderPage: Record<string, string> = { dispatch_order: '/dispatch', escalated_order: '/dispatch', accept_order: '/assignments', serve_order: '/assignments', rate_order: '/orders?tab=mine' };
  if (orderPage[t.kind]) return orderPage[t.kind];
  if (t.projectId) {
    switch (t.kind) {
      case 'assign_panel':
      case 'reassign_reviewer':
      case 'decide_review':
        return `/projects/${t.projectId}/review`;
      case 'score_review':
        return `/projects/${t.projectId}/score`;
      case 'monthly_report':
      case 'monthly_report_due':
      case 'monthly_report_reminder':
        return `/projects/${t.projectId}/report`;
      case 'supervise':
      case 'assign_supervisor':
        return `/projects/${t.projectId}?tab=supervision`;
      case 'evaluate':
      case 'assign_final_evaluator':
        return `/projects/${t.projectId}?tab=evaluation`;
      case 'quarterly_review':
        return `/projects/${t.projectId}?tab=monitoring`;
      default:
        return `/projects/${t.projectId}`;
    }
  }
  if (t.contestId) return t.kind === 'contest_score' || t.kind === 'contest_score_reminder' ? `/contests/${t.contestId}/judge` : `/contests/${t.contestId}`;
  return '/';
}

/** Overdue first, then by due date (soonest first), undated last. */
export function orderTasks(tasks: Task[], now: number): Task[] {
  const due = (t: Task) => (t.dueAt ? Date.parse(t.dueAt) : Infinity);
  const overdue = (t: Task) => (due(t) < now ? 0 : 1);
  return [...tasks].sort((a, b) => overdue(a) - overdue(b) || due(a) - due(b) || a.createdAt.localeCompare(b.createdAt));
}

export function TasksPage() {
  const tasks = useQuery({
    queryKey: ['tasks'],
    queryFn: () => allPages((cursor) => answer(api.GET('/api/v1/me/tasks', { params: { query: { status: 'open', limit: PAGE_MOST, cursor } } }))),
  });
  const now = Date.now();
  return (
    <Card title={zh.tasks.title}>
      {tasks.isError && <Typography.Text type="danger">{problemText(tasks.error)}</Typography.Text>}
      <List
        loading={tasks.isPending}
        dataSource={orderTasks(tasks.data?.items ?? [], now)}
        locale={{ emptyText: <Empty description={zh.tasks.empty} /> }}
        renderItem={(t) => {
          const overdue = t.dueAt !== null && Date.parse(t.dueAt) < now;
          return (
            <List.Item data-testid="task" actions={[<Link key="open" to={taskLink(t)}>{zh.common.open}</Link>]}>
              <List.Item.Meta
                // A kind the catalogue does not name yet shows the API's own title (in Chinese), never a blank.
                title={<Link to={taskLink(t)}>{zh.taskKinds[t.kind] ?? t.title}</Link>}
                description={
                  <>
                    {overdue && <Tag color="red">{zh.tasks.overdue}</Tag>}
                    {t.dueAt ? `${zh.tasks.due} ${dayjs(t.dueAt).format('YYYY-MM-DD HH:mm')}` : zh.tasks.noDue}
                  </>
                }
              />
            </List.Item>
          );
        }}
      />
    </Card>
  );
}
