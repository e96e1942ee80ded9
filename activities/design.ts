import type { WriteHandlers } from './project-event-types';

// Design: a submitted proposal becomes a numbered version, copied from the draft.
export const designWrites = {
  async designVersion(trx, ev, w) {
    // One round trip: the version copied from the draft where it lies, and the project's current version.
    await trx.raw(
      `with v as (
         insert into design_versions (project_id, version, proposal, submitted_by, submitted_at)
         select id, ?, draft, ?, ? from projects where id = ? returning version
       )
       update projects set current_version = ? where id = ? and exists (select 1 from v)`,
      [w.version, ev.actorId ?? null, new Date(ev.at), ev.projectId, w.version, ev.projectId],
    );
  },
} satisfies WriteHandlers;
