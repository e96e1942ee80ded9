import type { ActivityDeps } from './deps';
import { writeAudit } from '../db/repositories/audit';
import type { NewProject } from '../workflows/messages';
import { createProjectEventActivities } from './project-events';
import { reconcileProjectTasks, type TaskSpec } from '../db/repositories/tasks';

export function createProjectActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    ...createProjectEventActivities(deps),

    /**
     * The project's rows, written by its own workflow (update-with-start), in one transaction with the audit
     * entry. Keyed by the project id: a retried or repeated call finds the row and writes nothing.
     */
    async createProjectRecord(p: NewProject & { projectId: string; actorId: string; pending?: TaskSpec[] }): Promise<{ created: boolean }> {
      return db.transaction(async (trx) => {
        const existing = await trx('projects').where({ id: p.projectId }).first('id');
        if (existing) return { created: false };
        const [created] = await trx('projects')
          .insert({
            id: p.projectId, programme_id: p.programmeId, organisation_id: p.organisationId, region_id: p.region.id, region_level: p.region.level, region_path: p.region.path,
            title: p.title, summary: p.summary, target_groups: p.targetGroups, stage: 'design', amount_asked_fen: p.amountAskedFen, draft: JSON.stringify(p.draft), created_by: p.actorId,
          })
          .returning('*');
        if (p.needIds.length) await trx('project_needs').insert(p.needIds.map((needId) => ({ project_id: p.projectId, need_id: needId })));
        await writeAudit(trx, {
          actorId: p.actorId, action: 'create', objectType: 'project', objectId: p.projectId, requestId: p.requestId,
          after: {
            id: created.id, programmeId: created.programme_id, organisationId: created.organisation_id, regionId: created.region_id, regionLevel: created.region_level,
            title: created.title, summary: created.summary, targetGroups: created.target_groups, stage: created.stage, colour: created.colour,
            amountAskedFen: Number(created.amount_asked_fen), currentVersion: created.current_version, createdAt: created.created_at.toISOString(),
          },
        });
        // The timeline starts with the creation, and the inbox with what the new project waits for (its design).
        const key = `${p.projectId}:created`;
        await trx('project_events').insert({ project_id: p.projectId, event_key: key, kind: 'created', actor_id: p.actorId, data: JSON.stringify({ title: p.title, programmeId: p.programmeId }), at: created.created_at });
        if (p.pending) await reconcileProjectTasks(trx, p.projectId, p.pending, { at: created.created_at.toISOString(), eventKey: key });
        return { created: true };
      });
    },
  };
}
