import type { ActivityDeps } from './deps';

export interface OperatorAlert {
  /** Deterministic (`alert:<event key>`), so a repeated alert is one task per admin. */
  key: string;
  workflowId: string;
  projectId: string | null;
  contestId: string | null;
  activity: string;
  error: string;
  at: string;
}

export function createAlertActivities({ db, log, alerts }: ActivityDeps) {
  return {
    /**
     * An activity gave up past its retry bound: one inbox task for every admin (and one for the admin role,
     * so none is lost before an admin account exists), and a count on the worker's metrics.
     */
    async raiseOperatorAlert(a: OperatorAlert): Promise<{ tasks: number }> {
      log.error('activity failed past its retry bound', { ...a });
      const title = `Operator alert: "${a.activity}" of ${a.workflowId} failed after its retries (${a.error}). The move was not applied; check the database and retry it.`;
      const admins = (await db('users').whereRaw('? = any(roles)', ['admin']).where({ disabled: false }).select('id')) as { id: string }[];
      const rows = [
        { key: a.key, user_id: null, role: 'admin' },
        ...admins.map((u) => ({ key: `${a.key}:${u.id}`, user_id: u.id, role: null })),
      ].map((t) => ({ ...t, project_id: a.projectId, contest_id: a.contestId, kind: 'operator_alert', title, due_at: null, status: 'open', created_at: a.at }));
      const inserted = await db('tasks').insert(rows).onConflict('key').ignore().returning('id');
      if (inserted.length > 0) alerts?.inc({ activity: a.activity });
      return { tasks: inserted.length };
    },
  };
}
