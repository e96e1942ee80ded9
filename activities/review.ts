import type { WriteHandlers } from './project-event-types';

// Review: the panel's assignments, each reviewer's sheet, and the officer's decision.
export const reviewWrites = {
  async panel(trx, ev, w) {
    await trx('review_assignments').insert(w.reviewerIds.map((r) => ({ project_id: ev.projectId, round: w.round, reviewer_id: r, status: 'assigned', due_at: w.dueAt, assigned_at: new Date(ev.at) })));
  },
  async reassign(trx, ev, w) {
    await trx('review_assignments').where({ project_id: ev.projectId, round: w.round, reviewer_id: w.from }).update({ status: 'replaced' });
    await trx('review_assignments')
      .insert({ project_id: ev.projectId, round: w.round, reviewer_id: w.to, status: 'assigned', due_at: w.dueAt, assigned_at: new Date(ev.at) })
      .onConflict(['project_id', 'round', 'reviewer_id'])
      .merge({ status: 'assigned', due_at: w.dueAt });
  },
  async reviewScore(trx, ev, w) {
    await trx('review_assignments')
      .where({ project_id: ev.projectId, round: w.round, reviewer_id: w.reviewerId })
      .update({ status: 'scored', scores: JSON.stringify(w.scores), comments: w.comments, total: w.total, scored_at: new Date(ev.at) });
  },
  async reviewDecision(trx, ev, w) {
    await trx('review_decisions').insert({
      project_id: ev.projectId, round: w.round, decision: w.decision, comment: w.comment, score_sheet: JSON.stringify(w.scoreSheet), revision_due_at: w.revisionDueAt, decided_by: ev.actorId, decided_at: new Date(ev.at),
    });
  },
} satisfies WriteHandlers;
