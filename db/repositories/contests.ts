import type { Knex } from 'knex';
import type { ContestPhase } from '../../workflows/contest-rules/phases';
import type { ContestSettings } from '../../workflows/contest-rules/settings';
import type { TargetGroup } from '../../workflows/rules/programme-rules';
import { titleColumns, type TaskTitle } from './tasks';

type Db = Knex | Knex.Transaction;

export interface ContestRow {
  id: string;
  name: string;
  region_id: string;
  region_path: string;
  programme_ids: string[];
  settings: ContestSettings;
  entries_close_at: Date | null;
  roadshow_on: string | Date | null;
  phase: ContestPhase;
  current_round: number | null;
  final_ranking_id: string | null;
  published_at: Date | null;
  awarded_at: Date | null;
  closed_at: Date | null;
  /** Set with closed_at when the contest was cancelled before judging; the reason is null only for one cancelled before it was kept. */
  cancelled_at: Date | null;
  cancel_reason: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export type EntryStatus = 'entered' | 'withdrawn' | 'screened_out' | 'awarded' | 'not_awarded' | 'cancelled';

export interface ContestEntryRow {
  id: string;
  contest_id: string;
  project_id: string;
  organisation_id: string;
  track_key: string;
  amount_asked_fen: string | number;
  status: EntryStatus;
  reason: string | null;
  subscribed_fen: string | number;
  matching_fen: string | number;
  funding_sources: FundingSource[] | null;
  agreement: unknown;
  project_moved_at: Date | null;
  project_move_error: string | null;
  created_by: string | null;
  created_at: Date;
  withdrawn_at: Date | null;
  /** A partial award's re-scoping: null for a full award or none. */
  rescoping_status?: RescopingStatus | null;
  rescoping_due_at?: Date | null;
  rescoping_decided_at?: Date | null;
  rescoping_reason?: string | null;
  /** What a declined (or expired) partial award gave back to the pool. */
  returned_fen?: string | number;
}

export type RescopingStatus = 'pending' | 'accepted' | 'declined' | 'expired';

export interface FundingSource {
  funderOrganisationId: string | null;
  name: string;
  kind: 'government' | 'cash' | 'goods' | 'services';
  valueFen: number;
}

export interface ContestRoundRow {
  id: string;
  contest_id: string;
  round_index: number;
  round_key: string;
  kind: string;
  opened_at: Date;
  deadline_at: Date;
  remind_at: Date | null;
  closed_at: Date | null;
  ranking_id: string | null;
}

export interface PledgeRow {
  id: string;
  contest_id: string;
  funder_organisation_id: string;
  kind: 'cash' | 'goods' | 'services';
  value_fen: string | number;
  allocated_fen: string | number;
  description: string;
  created_by: string | null;
  created_at: Date;
}

export interface SubscriptionRow {
  id: string;
  contest_id: string;
  pledge_id: string;
  entry_id: string;
  funder_organisation_id: string;
  kind: 'cash' | 'goods' | 'services';
  amount_fen: string | number;
  created_by: string | null;
  created_at: Date;
}

/** bigint columns come back from pg as strings; fen always fits a safe integer. */
export const fen = (v: string | number | null | undefined): number => Number(v ?? 0);

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const isoDate = (d: string | Date | null): string | null => (d === null ? null : typeof d === 'string' ? d : d.toISOString().slice(0, 10));

export function toContest(r: ContestRow) {
  return {
    id: r.id,
    name: r.name,
    regionId: r.region_id,
    regionPath: r.region_path,
    programmeIds: r.programme_ids,
    entriesCloseAt: iso(r.entries_close_at),
    roadshowOn: isoDate(r.roadshow_on),
    ...r.settings,
    phase: r.phase,
    currentRound: r.current_round,
    finalRankingId: r.final_ranking_id,
    publishedAt: iso(r.published_at),
    awardedAt: iso(r.awarded_at),
    closedAt: iso(r.closed_at),
    cancelled: r.cancelled_at ? { at: r.cancelled_at.toISOString(), reason: r.cancel_reason } : null,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export function toRound(r: ContestRoundRow) {
  return {
    index: r.round_index,
    key: r.round_key,
    kind: r.kind,
    openedAt: r.opened_at.toISOString(),
    deadlineAt: r.deadline_at.toISOString(),
    remindAt: iso(r.remind_at),
    closedAt: iso(r.closed_at),
    rankingId: r.ranking_id,
  };
}

export function toPledge(r: PledgeRow) {
  return {
    id: r.id,
    contestId: r.contest_id,
    funderOrganisationId: r.funder_organisation_id,
    kind: r.kind,
    valueFen: fen(r.value_fen),
    allocatedFen: fen(r.allocated_fen),
    remainingFen: fen(r.value_fen) - fen(r.allocated_fen),
    description: r.description,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  };
}

export function toSubscription(r: SubscriptionRow) {
  return {
    id: r.id,
    contestId: r.contest_id,
    pledgeId: r.pledge_id,
    entryId: r.entry_id,
    funderOrganisationId: r.funder_organisation_id,
    kind: r.kind,
    amountFen: fen(r.amount_fen),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  };
}

export function findContest(db: Db, id: string): Promise<ContestRow | undefined> {
  return db<ContestRow>('contests').where({ id }).first();
}

export async function contestPhase(db: Db, id: string): Promise<string | undefined> {
  const row = await db('contests').where({ id }).first('phase');
  return row?.phase as string | undefined;
}

export async function isContestJudge(db: Db, contestId: string, userId: string): Promise<boolean> {
  return !!(await db('contest_judges').where({ contest_id: contestId, user_id: userId }).first('user_id'));
}

/** The contest row held FOR SHARE: phase moves lock it FOR NO KEY UPDATE, so the phase read holds until commit. */
export function shareContestRow(trx: Knex.Transaction, id: string): Promise<ContestRow | undefined> {
  return trx<ContestRow>('contests').where({ id }).forShare().first();
}

export interface RankingEntryRow {
  ranking_id: string;
  entry_id: string;
  rank: number;
  track_key: string;
  track_rank: number;
  score: string | number;
  sheet_count: number;
  round_key: string;
}

/** A ranking snapshot's rows in rank order. */
export function rankingRows(db: Db, rankingId: string): Promise<RankingEntryRow[]> {
  return db<RankingEntryRow>('contest_ranking_entries').where({ ranking_id: rankingId }).orderBy('rank');
}

/** Key prefix of every inbox task a contest opens, so a phase can close its own tasks by prefix. */
export const contestTaskKey = (contestId: string, ...parts: (string | number)[]) => ['contest', contestId, ...parts].join(':');

export interface ContestTask {
  key: string;
  kind: string;
  title: TaskTitle;
  dueAt: string | Date | null;
  userId?: string | null;
  role?: string | null;
  organisationId?: string | null;
  regionPath?: string | null;
  projectId?: string | null;
}

/** Opens inbox tasks; keys are deterministic, so a retried activity never opens one twice. */
export async function openContestTasks(trx: Db, contestId: string, tasks: ContestTask[], at: Date | string = new Date()): Promise<void> {
  for (let i = 0; i < tasks.length; i += 500) {
    await trx('tasks')
      .insert(
        tasks.slice(i, i + 500).map((t) => ({
          key: t.key, user_id: t.userId ?? null, role: t.role ?? null, organisation_id: t.organisationId ?? null, region_path: t.regionPath ?? null,
          project_id: t.projectId ?? null, contest_id: contestId, kind: t.kind, ...titleColumns(t.title), due_at: t.dueAt, status: 'open', created_at: at,
        })),
      )
      .onConflict('key')
      .ignore();
  }
}

/** Completes a contest's open tasks whose key starts with one of the prefixes. */
export async function closeContestTasks(trx: Db, contestId: string, prefixes: string[], at: Date | string = new Date()): Promise<void> {
  for (const prefix of prefixes) {
    await trx('tasks')
      .where({ contest_id: contestId, status: 'open' })
      .whereLike('key', `${prefix.replace(/[\\%_]/g, '\\$&')}%`)
      .update({ status: 'done', completed_at: at });
  }
}

// ---- contests -------------------------------------------------------------------------------------------------

export function findRegionForContest(db: Db, regionId: string): Promise<{ id: string; path: string } | undefined> {
  return db('regions').where({ id: regionId }).first('id', 'path');
}

/** Of the programme ids given, those that exist. */
export async function existingProgrammeIds(db: Db, ids: string[]): Promise<Set<string>> {
  return new Set((await db('programmes').whereIn('id', ids).select('id')).map((p: { id: string }) => p.id));
}

export async function insertContest(trx: Db, row: Record<string, unknown>): Promise<ContestRow> {
  const [created] = (await trx('contests').insert(row).returning('*')) as ContestRow[];
  return created;
}

export function deleteContest(trx: Db, id: string): Promise<number> {
  return trx('contests').where({ id }).delete();
}

/** The contest row for an edit: the same lock the openEntries activity takes, so an edit and the opening never interleave. */
export function lockContestForEdit(trx: Knex.Transaction, id: string): Promise<ContestRow | undefined> {
  return trx<ContestRow>('contests').where({ id }).forNoKeyUpdate().first();
}

export async function updateContestRow(trx: Db, id: string, changes: Record<string, unknown>): Promise<ContestRow> {
  const [after] = (await trx<ContestRow>('contests').where({ id }).update(changes).returning('*')) as ContestRow[];
  return after;
}

export function contestRounds(db: Db, contestId: string): Promise<ContestRoundRow[]> {
  return db<ContestRoundRow>('contest_rounds').where({ contest_id: contestId }).orderBy('round_index');
}

export async function entryCountsByStatus(db: Db, contestId: string): Promise<Record<string, number>> {
  const counts = (await db('contest_entries').where({ contest_id: contestId }).groupBy('status').select('status').count({ n: '*' })) as { status: string; n: string }[];
  return Object.fromEntries(counts.map((x) => [x.status, Number(x.n)]));
}

export interface ContestViewer {
  id: string;
  roles: readonly string[];
  regionPath: string | null;
}

/**
 * Contests a user may list: admins all; everyone else those past draft and those they judge; organisers also the
 * ones they created and those in their region scope.
 */
export function contestsQuery(db: Knex, user: ContestViewer, f: { phase?: string; nameLike?: string }): Knex.QueryBuilder {
  const q = db<ContestRow>('contests').select('contests.*');
  if (!user.roles.includes('admin')) {
    q.where((w) => {
      w.whereNot('phase', 'draft').orWhereIn('id', db('contest_judges').where('user_id', user.id).select('contest_id'));
      if (user.roles.includes('organiser')) {
        w.orWhere('created_by', user.id);
        if (user.regionPath === null) w.orWhereRaw('true');
        else w.orWhere('region_path', 'like', `${escapeLikeText(user.regionPath)}%`);
      }
    });
  }
  if (f.phase) q.where('phase', f.phase);
  if (f.nameLike) q.whereILike('name', f.nameLike);
  return q;
}

const escapeLikeText = (s: string) => s.replace(/[\\%_]/g, '\\$&');

// ---- entries --------------------------------------------------------------------------------------------------

export interface EntryJoinedRow extends ContestEntryRow {
  title: string;
  summary: string;
  target_groups: TargetGroup[];
  organisation_name: string;
  rank?: number | null;
  track_rank?: number | null;
  score?: string | null;
}

/** Entries with what every view shows: the project's title and summary, the organisation, and the final rank if any. */
export function entriesQuery(db: Db, c: Pick<ContestRow, 'id' | 'final_ranking_id'>): Knex.QueryBuilder {
  const q = db('contest_entries as e')
    .join('projects as p', 'p.id', 'e.project_id')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .where('e.contest_id', c.id)
    .select('e.*', 'p.title', 'p.summary', 'p.target_groups', 'o.name as organisation_name');
  if (c.final_ranking_id) {
    q.leftJoin('contest_ranking_entries as r', (j) => j.on('r.entry_id', 'e.id').andOnVal('r.ranking_id', c.final_ranking_id!)).select('r.rank', 'r.track_rank', 'r.score');
  }
  return q;
}

/** Narrows an entries query to what a non-organiser sees: their organisation's entries, those assigned to them as a judge, the ranked ones once published. */
export function whereEntryVisibleTo(q: Knex.QueryBuilder, user: { id: string; organisationId: string | null; applicant: boolean }, c: Pick<ContestRow, 'published_at' | 'final_ranking_id'>): Knex.QueryBuilder {
  return q.where((w) => {
    w.whereRaw('false');
    if (user.applicant && user.organisationId) w.orWhere('e.organisation_id', user.organisationId);
    w.orWhereExists((s) => s.select(s.client.raw('1')).from('contest_assignments as a').whereRaw('a.entry_id = e.id').where({ 'a.judge_id': user.id, 'a.status': 'assigned' }));
    if (c.published_at && c.final_ranking_id) {
      w.orWhereExists((s) => s.select(s.client.raw('1')).from('contest_ranking_entries as fr').whereRaw('fr.entry_id = e.id').where('fr.ranking_id', c.final_ranking_id));
    }
  });
}

/** The project's live entry in the contest (neither withdrawn nor screened out), if any. */
export function activeEntryOf(db: Db, contestId: string, projectId: string): Promise<{ id: string } | undefined> {
  return db('contest_entries').where({ contest_id: contestId, project_id: projectId }).whereNotIn('status', ['withdrawn', 'screened_out']).first('id');
}

/** The project's latest entry in the contest, whatever its status. */
export function latestEntryOf(db: Db, contestId: string, projectId: string): Promise<{ id: string } | undefined> {
  return db('contest_entries').where({ contest_id: contestId, project_id: projectId }).orderBy('created_at', 'desc').orderBy('id', 'desc').first('id');
}

export function findEntry(db: Db, contestId: string, entryId: string): Promise<ContestEntryRow | undefined> {
  return db<ContestEntryRow>('contest_entries').where({ id: entryId, contest_id: contestId }).first();
}

export function lockEntry(trx: Knex.Transaction, entryId: string): Promise<ContestEntryRow | undefined> {
  return trx<ContestEntryRow>('contest_entries').where({ id: entryId }).forUpdate().first();
}

export async function setEntryStatus(trx: Db, entryId: string, changes: { status: EntryStatus; reason: string; withdrawn_at: Date }): Promise<void> {
  await trx('contest_entries').where({ id: entryId }).update(changes);
}

export async function markEntryProjectMoved(db: Db, entryId: string, at: Date): Promise<void> {
  await db('contest_entries').where({ id: entryId }).update({ project_moved_at: at });
}

/** The proposal of the project's latest frozen design version. */
export async function latestProposal(db: Db, projectId: string): Promise<Record<string, unknown> | null> {
  const version = await db('design_versions').where({ project_id: projectId }).orderBy('version', 'desc').first('proposal');
  return (version?.proposal as Record<string, unknown> | undefined) ?? null;
}
