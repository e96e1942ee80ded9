import type { WriteHandlers } from './project-event-types';

// Evaluation: the evaluator's seat, then the scores, grade and subsidy.
export const evaluationWrites = {
  async evaluationAssign(trx, ev, w) {
    const at = new Date(ev.at);
    await trx('evaluations')
      .insert({ project_id: ev.projectId, kind: w.kind, evaluator_id: w.evaluatorId, assigned_at: at })
      .onConflict(['project_id', 'kind'])
      .merge({ evaluator_id: w.evaluatorId, assigned_at: at });
  },
  async evaluationSubmit(trx, ev, w) {
    await trx('evaluations')
      .where({ project_id: ev.projectId, kind: w.kind })
      .update({ scores: JSON.stringify(w.scores), comments: w.comments, score: w.score, grade: w.grade, subsidy: JSON.stringify(w.subsidy), submitted_at: new Date(ev.at) });
  },
} satisfies WriteHandlers;
