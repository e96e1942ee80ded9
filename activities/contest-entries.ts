import { ApplicationFailure } from '@temporalio/common';
import { writeAudit } from '../db/repositories/audit';
import { illegal } from '../workflows/refusals';
import type { WriteHandlers } from './project-event-types';
import { msg } from '../i18n/message';

// Contest entries: a project entering a contest writes its entry in the same transaction as its move to
// in_contest, so no crash can leave one without the other.
export const contestEntryWrites = {
  async contestEntry(trx, ev, w) {
    // FOR SHARE: phase moves lock the contest row FOR NO KEY UPDATE, so entries cannot close between the check and the write.
    const c = await trx('contests').where({ id: w.contestId }).forShare().first('id', 'phase');
    if (!c) throw ApplicationFailure.create({ type: 'NotFound', message: `no contest ${w.contestId}`, details: [{ what: 'contest' }], nonRetryable: true });
    if (c.phase !== 'open') {
      throw illegal(c.phase, 'enterContest', msg('problem.illegal-move.contest-allowed', { move: 'enterContest', current: c.phase, allowed: 'open' }), 'contest');
    }
    const [row] = await trx('contest_entries')
      .insert({ contest_id: w.contestId, project_id: ev.projectId, organisation_id: w.organisationId, track_key: w.trackKey, amount_asked_fen: w.amountAskedFen, created_by: ev.actorId })
      .returning('id');
    await writeAudit(trx, { actorId: ev.actorId, action: 'create', objectType: 'contest_entry', objectId: row.id, after: { contestId: w.contestId, projectId: ev.projectId, trackKey: w.trackKey }, requestId: w.requestId });
  },
} satisfies WriteHandlers;
