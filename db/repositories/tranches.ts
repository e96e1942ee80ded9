import type { Knex } from 'knex';
import type { EvaluationGrade, SubsidyOutcome } from '../../workflows/rules/evaluation';

type Db = Knex | Knex.Transaction;

export interface AgreedTranche {
  name: string;
  amountFen: number;
  releaseOn: string;
}

export async function agreedTranches(db: Db, projectId: string): Promise<AgreedTranche[] | null> {
  const agreement = await db('agreements').where({ project_id: projectId }).first('tranches');
  return agreement ? (agreement.tranches as AgreedTranche[]) : null;
}

export interface ReleaseRow {
  seq: number;
  amount_fen: string;
  released_at: Date;
}

export function releases(db: Db, projectId: string): Promise<ReleaseRow[]> {
  return db('tranche_releases').where({ project_id: projectId }).orderBy('seq').select('seq', 'amount_fen', 'released_at');
}

/** The final evaluation's latest round, if it is submitted (a round ordered again after a rectification is not yet). */
export async function finalEvaluation(db: Db, projectId: string): Promise<{ grade: EvaluationGrade; subsidy: SubsidyOutcome } | undefined> {
  const latest = await db('evaluations').where({ project_id: projectId, kind: 'final' }).orderBy('round', 'desc').first('grade', 'subsidy', 'submitted_at');
  return latest?.submitted_at ? { grade: latest.grade, subsidy: latest.subsidy } : undefined;
}

export async function insertRelease(
  trx: Knex.Transaction,
  r: { projectId: string; seq: number; name: string; amountFen: number; agreedFen: number; note: string | null; releasedBy: string; at: Date },
): Promise<void> {
  await trx('tranche_releases').insert({ project_id: r.projectId, seq: r.seq, amount_fen: r.amountFen, agreed_fen: r.agreedFen, note: r.note, released_by: r.releasedBy, released_at: r.at });
  await trx('project_events').insert({
    project_id: r.projectId, event_key: `${r.projectId}:tranche:${r.seq}`, kind: 'trancheReleased', actor_id: r.releasedBy,
    data: JSON.stringify({ seq: r.seq, name: r.name, amountFen: r.amountFen, agreedFen: r.agreedFen }), at: r.at,
  });
}
