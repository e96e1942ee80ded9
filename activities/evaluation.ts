import type { Knex } from 'knex';
import type { EvaluationKind } from '../workflows/messages';
import type { WriteHandlers } from './project-event-types';

/** The latest round of a kind of evaluation, locked: the one an assignment or a submission changes. */
function latestRound(trx: Knex.Transaction, projectId: string, kind: EvaluationKind) {
  return trx('evaluations').where({ project_id: projectId, kind }).orderBy('round', 'desc').forUpdate().first('round', 'submitted_at');
}

/** Opens the next round of an evaluation (the final one again after a rectification), keeping the rounds before. */
export async function openEvaluationRound(trx: Knex.Transaction, projectId: string, kind: EvaluationKind, evaluatorId: string | null, at: Date): Promise<void> {
  const latest = await latestRound(trx, projectId, kind);
  if (!latest) return;
  const prior = await trx('evaluations').where({ project_id: projectId, kind, round: latest.round }).first('evaluator_id');
  await trx('evaluations').insert({ project_id: projectId, kind, round: latest.round + 1, evaluator_id: evaluatorId ?? prior.evaluator_id, assigned_at: at });
}

// Evaluation: the evaluator's seat, then the scores, grade and subsidy; each round its own row.
export const evaluationWrites = {
  async evaluationAssign(trx, ev, w) {
    const at = new Date(ev.at);
    const latest = await latestRound(trx, ev.projectId, w.kind);
    // Before its submission a round changes evaluator; after it, an assignment starts the next round.
    if (latest && !latest.submitted_at) {
      await trx('evaluations').where({ project_id: ev.projectId, kind: w.kind, round: latest.round }).update({ evaluator_id: w.evaluatorId, assigned_at: at });
    } else {
      await trx('evaluations').insert({ project_id: ev.projectId, kind: w.kind, round: (latest?.round ?? 0) + 1, evaluator_id: w.evaluatorId, assigned_at: at });
    }
  },
  async evaluationSubmit(trx, ev, w) {
    const latest = await latestRound(trx, ev.projectId, w.kind);
    await trx('evaluations')
      .where({ project_id: ev.projectId, kind: w.kind, round: latest?.round ?? 1 })
      .update({ scores: JSON.stringify(w.scores), comments: w.comments, score: w.score, grade: w.grade, subsidy: JSON.stringify(w.subsidy), submitted_at: new Date(ev.at) });
  },
} satisfies WriteHandlers;
