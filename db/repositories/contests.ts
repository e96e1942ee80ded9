import type { Knex } from 'knex';
import type { ContestPhase } from '../../workflows/contest-rules/phases';
import type { ContestSettings } from '../../workflows/contest-rules/settings';

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
}

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
  title: string;
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
          project_id: t.projectId ?? null, contest_id: contestId, kind: t.kind, title: t.title, due_at: t.dueAt, status: 'open', created_at: at,
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
