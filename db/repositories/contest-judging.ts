// Judging's rows: the judge pool, assignments, score sheets and ranking snapshots of a contest.
import type { Knex } from 'knex';
import type { ContestEntryRow, ContestRoundRow, ContestRow } from './contests';

type Db = Knex | Knex.Transaction;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

export interface PoolJudge {
  judgeId: string;
  organisationIds: string[];
  conflictOrganisationIds: string[];
  disabled: boolean;
}

async function conflictsOf(db: Db, userIds: string[]): Promise<{ user_id: string; organisation_id: string }[]> {
  return userIds.length ? ((await db('conflict_declarations').whereIn('user_id', userIds).select('user_id', 'organisation_id')) as { user_id: string; organisation_id: string }[]) : [];
}

/** The contest's judges with their organisation and declared conflicts: what assignment must respect. */
export async function judgePool(db: Db, contestId: string): Promise<PoolJudge[]> {
  const judges = (await db('contest_judges as j').join('users as u', 'u.id', 'j.user_id').where('j.contest_id', contestId).select('u.id', 'u.organisation_id', 'u.disabled')) as { id: string; organisation_id: string | null; disabled: boolean }[];
  const conflicts = await conflictsOf(db, judges.map((j) => j.id));
  return judges.map((j) => ({
    judgeId: j.id,
    organisationIds: j.organisation_id ? [j.organisation_id] : [],
    conflictOrganisationIds: conflicts.filter((x) => x.user_id === j.id).map((x) => x.organisation_id),
    disabled: j.disabled,
  }));
}

export function findRound(db: Db, contestId: string, roundKey?: string): Promise<ContestRoundRow | undefined> {
  return roundKey
    ? db<ContestRoundRow>('contest_rounds').where({ contest_id: contestId, round_key: roundKey }).first()
    : db<ContestRoundRow>('contest_rounds').where({ contest_id: contestId }).orderBy('round_index', 'desc').first();
}

export function shareRound(trx: Knex.Transaction, contestId: string, roundKey: string): Promise<ContestRoundRow | undefined> {
  return trx<ContestRoundRow>('contest_rounds').where({ contest_id: contestId, round_key: roundKey }).forShare().first();
}

export interface JudgeRow {
  id: string;
  display_name: string;
  organisation_id: string | null;
  organisation_name: string | null;
  created_at: Date;
  conflictOrganisationIds: string[];
}

export async function judgesOf(db: Db, contestId: string): Promise<JudgeRow[]> {
  const judges = (await db('contest_judges as j')
    .join('users as u', 'u.id', 'j.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .where('j.contest_id', contestId)
    .orderBy('u.display_name')
    .select('u.id', 'u.display_name', 'u.organisation_id', 'o.name as organisation_name', 'j.created_at')) as Omit<JudgeRow, 'conflictOrganisationIds'>[];
  const conflicts = await conflictsOf(db, judges.map((j) => j.id));
  return judges.map((j) => ({ ...j, conflictOrganisationIds: conflicts.filter((x) => x.user_id === j.id).map((x) => x.organisation_id) }));
}

/** Per judge of a round: how many entries are assigned, how many scored. */
export async function roundProgress(db: Db, roundId: string): Promise<Map<string, { assigned: number; scored: number }>> {
  const rows = (await db('contest_assignments as a')
    .leftJoin('contest_scores as s', function () {
      this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
    })
    .where({ 'a.round_id': roundId, 'a.status': 'assigned' })
    .groupBy('a.judge_id')
    .select('a.judge_id', db.raw('count(*) as assigned'), db.raw('count(s.judge_id) as scored'))) as { judge_id: string; assigned: string; scored: string }[];
  return new Map(rows.map((r) => [r.judge_id, { assigned: Number(r.assigned), scored: Number(r.scored) }]));
}

export function usersByIds(db: Db, ids: string[]): Promise<{ id: string; roles: string[]; disabled: boolean }[]> {
  return db('users').whereIn('id', ids).select('id', 'roles', 'disabled');
}

/** Adds judges (those already in the pool are left as they are); returns the ids added. */
export async function addJudges(trx: Db, contestId: string, userIds: string[], addedBy: string): Promise<string[]> {
  const added = await trx('contest_judges').insert(userIds.map((id) => ({ contest_id: contestId, user_id: id, added_by: addedBy }))).onConflict(['contest_id', 'user_id']).ignore().returning('user_id');
  return added.map((a: { user_id: string }) => a.user_id);
}

export function removeJudge(trx: Db, contestId: string, userId: string): Promise<number> {
  return trx('contest_judges').where({ contest_id: contestId, user_id: userId }).delete();
}

/**
 * Closes a judge's score and reminder tasks of a round once nothing assigned to them there is left unscored: one
 * statement, run after the sheet's transaction has committed. Of two last sheets committed side by side, the one
 * that commits second runs this after both commits, so it sees both and closes the task; no lock is needed.
 */
export async function closeJudgeTasksIfDone(db: Knex, prefixes: string[], contestId: string, roundId: string, judgeId: string): Promise<void> {
  await db('tasks')
    .where({ contest_id: contestId, user_id: judgeId, status: 'open' })
    .where((w) => {
      for (const p of prefixes) w.orWhereLike('key', `${escapeLike(p)}%`);
    })
    .whereNotExists((q) =>
      q.select(db.raw('1'))
        .from('contest_assignments as a')
        .where({ 'a.round_id': roundId, 'a.judge_id': judgeId, 'a.status': 'assigned' })
        .whereNotExists((x) => x.select(db.raw('1')).from('contest_scores as s').whereRaw('s.round_id = a.round_id and s.entry_id = a.entry_id and s.judge_id = a.judge_id')),
    )
    .update({ status: 'done', completed_at: db.fn.now() });
}

export interface AssignmentRow {
  id: string;
  contest_id: string;
  project_id: string;
  organisation_id: string;
  judge_id: string;
  assignment_status: string;
  due_at: Date;
  round_key: string;
  round_index: number;
  round_closed_at: Date | null;
  sheet_scores: Record<string, number> | null;
  sheet_comment: string | null;
  sheet_total: string | null;
  sheet_submitted_at: Date | null;
  sheet_updated_at: Date | null;
}

/** Assignments of a contest with each entry (as the entries query shows it) and its sheet. */
export function assignmentsQuery(db: Knex, contestId: string, f: { judgeId?: string; onlyAssigned?: boolean; roundKey?: string; entryId?: string }): Knex.QueryBuilder {
  const q = db('contest_assignments as a')
    .join('contest_rounds as r', 'r.id', 'a.round_id')
    .join('contest_entries as e', 'e.id', 'a.entry_id')
    .join('projects as p', 'p.id', 'e.project_id')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .leftJoin('contest_scores as s', function () {
      this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
    })
    .where('a.contest_id', contestId)
    .select(
      'e.*', 'p.title', 'p.summary', 'p.target_groups', 'o.name as organisation_name',
      'a.judge_id', 'a.status as assignment_status', 'a.due_at', 'r.round_key', 'r.round_index', 'r.closed_at as round_closed_at',
      's.scores as sheet_scores', 's.comment as sheet_comment', 's.total as sheet_total', 's.submitted_at as sheet_submitted_at', 's.updated_at as sheet_updated_at',
    );
  if (f.judgeId) q.where('a.judge_id', f.judgeId);
  if (f.onlyAssigned) q.where('a.status', 'assigned');
  if (f.roundKey) q.where('r.round_key', f.roundKey);
  if (f.entryId) q.where('a.entry_id', f.entryId);
  return q;
}

export function lockAssignment(trx: Knex.Transaction, roundId: string, entryId: string, judgeId: string) {
  return trx('contest_assignments').where({ round_id: roundId, entry_id: entryId, judge_id: judgeId, status: 'assigned' }).forUpdate().first();
}

export async function hasSheet(trx: Db, roundId: string, entryId: string, judgeId: string): Promise<boolean> {
  return !!(await trx('contest_scores').where({ round_id: roundId, entry_id: entryId, judge_id: judgeId }).first('judge_id'));
}

export function entryOfContest(trx: Db, contestId: string, entryId: string): Promise<{ id: string; organisation_id: string } | undefined> {
  return trx('contest_entries').where({ id: entryId, contest_id: contestId }).first('id', 'organisation_id');
}

export async function roundAssignments(trx: Db, roundId: string): Promise<{ entryId: string; judgeId: string }[]> {
  return (await trx('contest_assignments').where({ round_id: roundId, status: 'assigned' }).select('entry_id as entryId', 'judge_id as judgeId')) as { entryId: string; judgeId: string }[];
}

/** Replaces one judge on an entry of a round by another (reviving an earlier assignment of theirs if there was one). */
export async function replaceAssignment(trx: Db, a: { roundId: string; contestId: string; entryId: string; fromJudgeId: string; toJudgeId: string; dueAt: Date; at: Date }): Promise<void> {
  await trx('contest_assignments').where({ round_id: a.roundId, entry_id: a.entryId, judge_id: a.fromJudgeId }).update({ status: 'replaced', replaced_at: a.at });
  await trx('contest_assignments')
    .insert({ round_id: a.roundId, entry_id: a.entryId, judge_id: a.toJudgeId, contest_id: a.contestId, status: 'assigned', due_at: a.dueAt, assigned_at: a.at })
    .onConflict(['round_id', 'entry_id', 'judge_id'])
    .merge({ status: 'assigned', due_at: a.dueAt, replaced_at: null });
}

export interface SheetTarget {
  id: string;
  round_index: number;
  round_key: string;
  closed_at: Date | null;
  phase: string;
  settings: ContestRow['settings'];
}

/**
 * One statement finds the judge's assignment and holds it and its round FOR SHARE: closing the round takes the round
 * FOR UPDATE, so a sheet commits before the close reads the sheets, or it sees closed_at and is refused. Never half.
 */
export function shareAssignedRound(trx: Knex.Transaction, contestId: string, roundKey: string, entryId: string, judgeId: string): Promise<SheetTarget | undefined> {
  return trx('contest_rounds as r')
    .join('contest_assignments as a', 'a.round_id', 'r.id')
    .join('contests as c', 'c.id', 'r.contest_id')
    .where({ 'r.contest_id': contestId, 'r.round_key': roundKey, 'a.entry_id': entryId, 'a.judge_id': judgeId, 'a.status': 'assigned' })
    .select('r.id', 'r.round_index', 'r.round_key', 'r.closed_at', 'c.phase', 'c.settings')
    .forShare('r', 'a')
    .first() as Promise<SheetTarget | undefined>;
}

export interface SheetRow {
  round_id: string;
  scores: Record<string, number>;
  comment: string;
  total: string;
  submitted_at: Date;
  updated_at: Date;
}

export async function upsertSheet(trx: Knex.Transaction, s: { roundId: string; entryId: string; judgeId: string; contestId: string; scores: Record<string, number>; comment: string; total: number }): Promise<SheetRow> {
  const [row] = await trx('contest_scores')
    .insert({
      round_id: s.roundId, entry_id: s.entryId, judge_id: s.judgeId, contest_id: s.contestId, scores: JSON.stringify(s.scores), comment: s.comment, total: s.total,
      submitted_at: trx.raw('clock_timestamp()'), updated_at: trx.raw('clock_timestamp()'),
    })
    .onConflict(['round_id', 'entry_id', 'judge_id'])
    .merge({ scores: JSON.stringify(s.scores), comment: s.comment, total: s.total, updated_at: trx.raw('clock_timestamp()') })
    .returning('*');
  return row as SheetRow;
}

export interface RankingRow {
  id: string;
  kind: string;
  method: string;
  computed_at: Date;
  published_at: Date | null;
  data: { unscored?: string[] };
}

export function findRanking(db: Db, rankingId: string): Promise<RankingRow | undefined> {
  return db('contest_rankings').where({ id: rankingId }).first();
}

/**
 * An entry of a ranking: the entry's row, its place in the ranking (rank, track, score, sheets, the round that placed
 * it), its project's title and its organisation's name. The ranking view and the funding results read the same rows.
 */
export type RankedEntryRow = ContestEntryRow & {
  entry_id: string; rank: number; track_rank: number; score: string; sheet_count: number; round_key: string; title: string; organisation_name: string;
};

/** The entries of a ranking, in rank order. An entry's track is fixed when it enters, so the entry's and the ranking's agree. */
export async function rankingEntries(db: Db, rankingId: string): Promise<RankedEntryRow[]> {
  return (await db('contest_ranking_entries as r')
    .join('contest_entries as e', 'e.id', 'r.entry_id')
    .join('projects as p', 'p.id', 'e.project_id')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .where('r.ranking_id', rankingId)
    .orderBy('r.rank')
    .select('e.*', 'r.entry_id', 'r.rank', 'r.track_key', 'r.track_rank', 'r.score', 'r.sheet_count', 'r.round_key', 'p.title', 'o.name as organisation_name')) as RankedEntryRow[];
}
