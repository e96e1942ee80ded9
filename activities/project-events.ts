import type { ActivityDeps } from './deps';
import type { ColourRules } from '../workflows/rules/programme-rules';
import type { ProjectEventInput, ProjectWrite, WriteFor } from './project-event-types';
import { designWrites } from './design';
import { reviewWrites } from './review';
import { contestEntryWrites } from './contest-entries';
import { deliveryWrites } from './delivery';
import { monitoringWrites, recolour, type ColourResult } from './monitoring';
import { evaluationWrites } from './evaluation';
import { closureWrites } from './closure';
import { rescopingWrites } from './rescoping';
import { openSupervisorAssignment, reconcileProjectTasks, titleColumns } from '../db/repositories/tasks';
import { DELIVERING, isTerminal, type Stage } from '../workflows/stages';

export type { ContestEntryWrite, ProjectEventInput, ProjectWrite, TaskSpec } from './project-event-types';
export { POINTS_PER_HOUR } from './delivery';

/** Every write an event can carry, each found in its feature's activities. */
const WRITES: { [K in ProjectWrite['op']]: WriteFor<K> } = {
  ...designWrites, ...reviewWrites, ...contestEntryWrites, ...deliveryWrites, ...monitoringWrites, ...evaluationWrites, ...closureWrites, ...rescopingWrites,
};

export function createProjectEventActivities({ db, log }: ActivityDeps) {
  return {
    /**
     * Writes one lifecycle event: its document (the feature's write), the read model, the timeline and the
     * inbox, in one transaction, and, when asked, the colour recomputed after it. The event key is unique, so
     * a retried activity finds its own row and does not write again. (The activity type every recorded
     * history names: the per-feature writes are dispatched from here.)
     */
    async applyProjectEvent(ev: ProjectEventInput): Promise<{ applied: boolean; colour?: ColourResult }> {
      return db.transaction(async (trx) => {
        const data = ev.write?.op === 'closure' ? { ...ev.data, finalReport: ev.write.finalReport } : ev.data;
        // One round trip: the event row and, only when it is new, the read model's stage and colour; with the
        // project as it was before (the statement's snapshot), for the officer's task to assign a supervisor.
        const inserted = await trx.raw<{ rows: { id: string; stage: Stage | null; supervisor_id: string | null; region_path: string | null }[] }>(
          `with ev as (
             insert into project_events (project_id, event_key, kind, actor_id, data, at) values (?, ?, ?, ?, ?, ?)
             on conflict (event_key) do nothing returning id
           ), moved as (
             update projects set stage = coalesce(?, stage), colour = coalesce(?, colour), updated_at = ? where id = ? and exists (select 1 from ev)
           )
           select ev.id, p.stage, p.supervisor_id, p.region_path from ev left join projects p on p.id = ?`,
          [ev.projectId, ev.key, ev.kind, ev.actorId ?? null, JSON.stringify(data), ev.at, ev.stage ?? null, ev.colour ?? null, ev.at, ev.projectId, ev.projectId],
        );
        const applied = inserted.rows.length > 0;
        if (!applied) {
          log.info('project event already applied', { key: ev.key });
        } else {
          if (ev.write) await (WRITES[ev.write.op] as WriteFor<ProjectWrite['op']>)(trx, ev, ev.write as never);
          for (const prefix of ev.closeTasks ?? []) {
            await trx('tasks').where('project_id', ev.projectId).where('status', 'open').whereLike('key', `${prefix.replace(/[\\%_]/g, '\\$&')}%`).update({ status: 'done', completed_at: ev.at });
          }
          // The inbox follows the pending actions in this same transaction; a project at its end keeps no open task.
          if (ev.pending || isTerminal(ev.stage)) await reconcileProjectTasks(trx, ev.projectId, ev.pending ?? [], { at: ev.at, eventKey: ev.key, closeAll: isTerminal(ev.stage) });
          const before = inserted.rows[0];
          if (ev.stage && DELIVERING.includes(ev.stage) && before.stage && !DELIVERING.includes(before.stage) && !before.supervisor_id) {
            await openSupervisorAssignment(trx, ev.projectId, before.region_path!, ev.at);
          }
          if (ev.openTasks?.length) {
            await trx('tasks')
              .insert(
                ev.openTasks.map((t) => ({
                  key: t.key, user_id: t.userId ?? null, role: t.role ?? null, region_path: t.regionPath ?? null, organisation_id: t.organisationId ?? null,
                  project_id: ev.projectId, kind: t.kind, ...titleColumns(t.title), due_at: t.dueAt, status: 'open', created_at: ev.at,
                })),
              )
              .onConflict('key')
              .ignore();
          }
        }
        if (!ev.recolour) return { applied };
        return { applied, colour: await recolour(trx, ev.projectId, ev.at, ev.recolour) };
      });
    },

    /** The colour on its own: timers (reports falling overdue) and runs recorded before one activity per move. */
    async recomputeColour(input: { projectId: string; key: string; at: string; overdueReports: number; complaints: number; supervisionIndex: number | null; colourRules: ColourRules }): Promise<ColourResult> {
      return db.transaction((trx) => recolour(trx, input.projectId, input.at, input));
    },
  };
}
