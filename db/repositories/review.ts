import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/** The people named for a seat (reviewer, supervisor, evaluator) and which of them declared a conflict with an organisation. */
export async function candidates(db: Db, userIds: string[], organisationId: string) {
  const users = (await db('users').whereIn('id', userIds).select('id', 'roles', 'organisation_id', 'disabled')) as { id: string; roles: string[]; organisation_id: string | null; disabled: boolean }[];
  const conflicted = new Set((await db('conflict_declarations').whereIn('user_id', userIds).where({ organisation_id: organisationId }).select('user_id')).map((c) => c.user_id as string));
  return { users, conflicted };
}

/** Independent reviewers with the lightest open load first (ties by id): a deterministic, balanced pick. */
export async function leastLoadedReviewers(db: Db, organisationId: string, count: number, exclude: string[] = []): Promise<string[]> {
  const rows = await db('users as u')
    .whereRaw("'reviewer' = ANY(u.roles)")
    .where('u.disabled', false)
    .where((w) => w.whereNull('u.organisation_id').orWhereNot('u.organisation_id', organisationId))
    .whereNotExists((s) => s.select(db.raw('1')).from('conflict_declarations as c').whereRaw('c.user_id = u.id').where('c.organisation_id', organisationId))
    .whereNotIn('u.id', exclude.length ? exclude : ['00000000-0000-0000-0000-000000000000'])
    .select('u.id', db.raw("(select count(*) from review_assignments ra where ra.reviewer_id = u.id and ra.status = 'assigned')::int as load"))
    .orderBy([{ column: 'load', order: 'asc' }, { column: 'u.id', order: 'asc' }])
    .limit(count);
  return rows.map((r) => r.id as string);
}

export async function panelReviewerIds(db: Db, projectId: string, round: number): Promise<string[]> {
  return (await db('review_assignments').where({ project_id: projectId, round }).select('reviewer_id')).map((r) => r.reviewer_id as string);
}

/** The reviewer's live seat on the round's panel (not replaced). */
export function panelSeat(db: Db, projectId: string, round: number, reviewerId: string): Promise<{ reviewer_id: string } | undefined> {
  return db('review_assignments').where({ project_id: projectId, round, reviewer_id: reviewerId }).whereNot('status', 'replaced').first('reviewer_id');
}

export interface SeatRow {
  reviewer_id: string;
  display_name: string;
  status: 'assigned' | 'scored' | 'replaced';
  due_at: Date;
  total: string | null;
  scores: Record<string, number> | null;
  comments: string | null;
}

export function panelOf(db: Db, projectId: string, round: number): Promise<SeatRow[]> {
  return db('review_assignments as ra')
    .join('users as u', 'u.id', 'ra.reviewer_id')
    .where({ 'ra.project_id': projectId, 'ra.round': round })
    .select('ra.reviewer_id', 'ra.status', 'ra.due_at', 'ra.total', 'ra.scores', 'ra.comments', 'u.display_name');
}

export interface DecisionRow {
  decision: 'approve' | 'revise' | 'reject';
  comment: string | null;
  score_sheet: { totals: { reviewerId: string; total: number | null }[]; mean: number; spread: number } | null;
  revision_due_at: Date | null;
  decided_at: Date;
}

export function decisionOf(db: Db, projectId: string, round: number): Promise<DecisionRow | undefined> {
  return db('review_decisions').where({ project_id: projectId, round }).first('decision', 'comment', 'score_sheet', 'revision_due_at', 'decided_at');
}

export async function organisationExists(db: Db, id: string): Promise<boolean> {
  return Boolean(await db('organisations').where({ id }).first('id'));
}

export async function upsertConflict(trx: Knex.Transaction, userId: string, organisationId: string, reason: string): Promise<void> {
  await trx('conflict_declarations').insert({ user_id: userId, organisation_id: organisationId, reason }).onConflict(['user_id', 'organisation_id']).merge({ reason });
}

export async function conflictsOf(db: Db, userId: string): Promise<{ organisationId: string; reason: string; declaredAt: string }[]> {
  const rows = await db('conflict_declarations').where({ user_id: userId }).orderBy('created_at');
  return rows.map((r) => ({ organisationId: r.organisation_id as string, reason: r.reason as string, declaredAt: (r.created_at as Date).toISOString() }));
}
