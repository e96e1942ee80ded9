import type { WriteHandlers } from './project-event-types';

// Design: a submitted proposal becomes a numbered version, copied from the draft.
export const designWrites = {
  async designVersion(trx, ev, w) {
    const project = await trx('projects').where({ id: ev.projectId }).first('draft', 'amount_asked_fen');
    await trx('design_versions').insert({ project_id: ev.projectId, version: w.version, proposal: project.draft, submitted_by: ev.actorId, submitted_at: new Date(ev.at) });
    await trx('projects').where({ id: ev.projectId }).update({ current_version: w.version });
  },
} satisfies WriteHandlers;
