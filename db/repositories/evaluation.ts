import type { Knex } from 'knex';
import type { EvaluationKind } from '../../workflows/messages';
import { gradeLabels, type EvaluationGrade, type SubsidyOutcome } from '../../workflows/rules/evaluation';

type Db = Knex | Knex.Transaction;

export interface EvaluationRow {
  kind: EvaluationKind;
  round: number;
  evaluator_id: string;
  scores: Record<string, number> | null;
  score: string | null;
  grade: EvaluationGrade | null;
  subsidy: SubsidyOutcome | null;
  comments: string | null;
  assigned_at: Date;
  submitted_at: Date | null;
}

export function evaluationSeat(db: Db, projectId: string, kind: EvaluationKind): Promise<Pick<EvaluationRow, 'evaluator_id'> | undefined> {
  return db('evaluations').where({ project_id: projectId, kind }).orderBy('round', 'desc').first('evaluator_id');
}

export function evaluationsOf(db: Db, projectId: string): Promise<EvaluationRow[]> {
  return db('evaluations').where({ project_id: projectId }).orderBy('kind', 'desc').orderBy('round');
}

/** One round as JSON; the evaluator's id as the caller may show it (null to those who may not learn it). */
export function toEvaluation(r: EvaluationRow, evaluatorId: (id: string) => string | null = (id) => id) {
  return {
    kind: r.kind,
    round: r.round,
    evaluatorId: evaluatorId(r.evaluator_id),
    scores: r.scores,
    score: r.score === null ? null : Number(r.score),
    grade: r.grade,
    gradeLabel: r.grade ? gradeLabels[r.grade] : null,
    subsidy: r.subsidy,
    comments: r.comments,
    assignedAt: r.assigned_at.toISOString(),
    submittedAt: r.submitted_at?.toISOString() ?? null,
  };
}
