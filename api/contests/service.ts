// Contests: set-up, reads and phase moves. The only place where the contest routes meet SQL (through
// db/repositories/contests.ts) and the contest workflow.
import type { Knex } from 'knex';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ventureContest } from '../../workflows/venture-contest';
import type { ContestView } from '../../workflows/messages';
import { allowedMoves } from '../../workflows/contest-rules/phases';
import { checkContestSettings, parseIsoDuration, type ContestSettings, type Round, type Track } from '../../workflows/contest-rules/settings';
import { writeAudit } from '../../db/repositories/audit';
import {
  contestPhase, contestRounds, contestsQuery, deleteContest, entryCountsByStatus, existingProgrammeIds, findContest, findRegionForContest, insertContest, isContestJudge,
  lockContestForEdit, shareContestRow, toContest, toRound, updateContestRow, type ContestRow,
} from '../../db/repositories/contests';
import { BusinessRuleError, IllegalMoveError, NotFoundError, type FieldError, says } from '../errors';
import { msg } from '../../i18n';
import type { AppDeps } from '../deps';
import { containsPattern, keysetPage } from '../paging';
import { executeWorkflowUpdate, temporalOf, type UpdateDeps } from '../updates';
import type { Principal } from '../auth';
import { hasRole } from '../auth';

export const contestWorkflowId = (contestId: string) => `contest-${contestId}`;

export async function startContestWorkflow(deps: Pick<AppDeps, 'temporal'>, contestId: string): Promise<void> {
  const { client, taskQueue } = temporalOf(deps);
  try {
    await client.workflow.start(ventureContest, { workflowId: contestWorkflowId(contestId), taskQueue, args: [{ contestId }] });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

async function phaseOf(db: Knex | Knex.Transaction, contestId: string): Promise<string> {
  const phase = await contestPhase(db, contestId);
  if (!phase) throw new NotFoundError('contest');
  return phase;
}

/**
 * Runs a phase move on the contest's workflow and maps its refusals onto HTTP: an illegal move → 409 naming the
 * current phase (in `currentStage`), a broken rule → 422 with the rule and whatever the activity attached (the
 * entries no judges can cover, the sheets missing), a conflict → 409. With an Idempotency-Key the update id is
 * derived from it, so a request retried after its first attempt died is the same update, not a second move.
 */
export async function executeContestUpdate<A extends object>(
  deps: UpdateDeps,
  contestId: string,
  update: UpdateDefinition<ContestView, [A]>,
  move: string,
  args: A,
  updateId?: string,
): Promise<ContestView> {
  return executeWorkflowUpdate(deps, { workflowId: contestWorkflowId(contestId), move, currentStage: () => phaseOf(deps.db, contestId) }, update, args, updateId);
}

/** Organisers run the contests they created and those in their region scope; admins run all. */
export function runsContest(user: Principal, c: Pick<ContestRow, 'created_by' | 'region_path'>): boolean {
  if (hasRole(user, 'admin')) return true;
  if (!hasRole(user, 'organiser')) return false;
  return c.created_by === user.id || user.regionPath === null || c.region_path.startsWith(user.regionPath);
}

export async function isJudge(db: Knex | Knex.Transaction, contestId: string, userId: string): Promise<boolean> {
  return isContestJudge(db, contestId, userId);
}

/** A contest the user may see: organisers in scope and its judges always; everyone else once it is open (not draft). */
export async function visibleContest(db: Knex | Knex.Transaction, user: Principal, contestId: string): Promise<ContestRow> {
  const c = await findContest(db, contestId);
  if (!c) throw new NotFoundError('contest');
  if (runsContest(user, c)) return c;
  if (c.phase !== 'draft') return c;
  if (await isJudge(db, contestId, user.id)) return c;
  throw new NotFoundError('contest');
}

/** A contest the user runs; to anyone else it does not exist (404), as with every object outside one's scope. */
export async function runContest(db: Knex | Knex.Transaction, user: Principal, contestId: string): Promise<ContestRow> {
  const c = await visibleContest(db, user, contestId);
  if (!runsContest(user, c)) throw new NotFoundError('contest');
  return c;
}

/** The contest row held FOR SHARE: phase moves lock it FOR NO KEY UPDATE, so the phase read here holds until commit. */
export async function shareContest(trx: Knex.Transaction, contestId: string): Promise<ContestRow> {
  const c = await shareContestRow(trx, contestId);
  if (!c) throw new NotFoundError('contest');
  return c;
}

export function requirePhase(c: Pick<ContestRow, 'phase'>, phases: string[], move: string): void {
  if (!phases.includes(c.phase)) {
    throw new IllegalMoveError(c.phase, move, msg('problem.illegal-move.contest-allowed', { move, current: c.phase, allowed: phases.join(', ') }));
  }
}

// ---- set-up -------------------------------------------------------------------------------------------------------

export interface ContestInput {
  name: string;
  regionId: string;
  programmeIds: string[];
  entriesCloseAt?: string | null;
  roadshowOn?: string | null;
  tracks: Track[];
  rounds: Round[];
  normalisation: ContestSettings['normalisation'];
  blind?: boolean;
  matchingPoolFen?: number;
  matchingCapPerEntryFen?: number;
  rescopingDeadline?: string;
}

function settingsOf(input: Partial<ContestInput>, base?: ContestSettings): ContestSettings {
  return {
    tracks: input.tracks ?? base?.tracks ?? [],
    rounds: (input.rounds ?? base?.rounds ?? []).map((r) => ({ ...r, criteria: r.criteria.map((c) => ({ ...c })) })),
    normalisation: input.normalisation ?? base?.normalisation ?? 'raw_mean',
    blind: input.blind ?? base?.blind ?? false,
    matchingPoolFen: input.matchingPoolFen ?? base?.matchingPoolFen ?? 0,
    matchingCapPerEntryFen: input.matchingCapPerEntryFen ?? base?.matchingCapPerEntryFen ?? 0,
    // Unset: the default (P14D) applies when a partial award is made.
    ...((input.rescopingDeadline ?? base?.rescopingDeadline) ? { rescopingDeadline: input.rescopingDeadline ?? base?.rescopingDeadline } : {}),
  };
}

/**
 * The contest's references are checked like a path id: a programme that does not exist or a region outside the
 * organiser's scope is not found (404), so a request cannot learn what lies outside one's scope.
 */
async function checkContestReferences(db: Knex | Knex.Transaction, user: Principal, input: Partial<ContestInput>): Promise<void> {
  if (input.programmeIds) {
    const found = await existingProgrammeIds(db, input.programmeIds);
    const missing = input.programmeIds.findIndex((id) => !found.has(id));
    if (missing >= 0) throw new NotFoundError('programme', `/body/programmeIds/${missing}`);
  }
  void user;
}

/** The contest rules (weights summing to 100, a round with criteria, a roadshow after a round...) plus what only the API knows. */
function checkContest(s: ContestSettings, input: Partial<ContestInput>, now: Date): void {
  const errors: FieldError[] = checkContestSettings(s).map((v) => ({ ...v, field: `/body${v.field}` }));
  s.rounds.forEach((r, i) => {
    const reminder = r.reminderBefore ? parseIsoDuration(r.reminderBefore) : null;
    // The reminder is placed back from the deadline: only a fixed length (no years or months) can be.
    if (reminder && reminder.seconds === null) errors.push({ field: `/body/rounds/${i}/reminderBefore`, rule: 'fixed-length', ...says('field.fixed-length') });
  });
  if (input.entriesCloseAt && new Date(input.entriesCloseAt).getTime() <= now.getTime()) {
    errors.push({ field: '/body/entriesCloseAt', rule: 'in-future', ...says('field.in-future') });
  }
  if (s.matchingCapPerEntryFen > s.matchingPoolFen) {
    errors.push({ field: '/body/matchingCapPerEntryFen', rule: 'cap-within-pool', ...says('field.cap-within-pool') });
  }
  if (errors.length) throw new BusinessRuleError(errors);
}

export async function contestJson(db: Knex | Knex.Transaction, c: ContestRow) {
  const [rounds, entryCounts] = await Promise.all([contestRounds(db, c.id), entryCountsByStatus(db, c.id)]);
  return {
    ...toContest(c),
    rounds: c.settings.rounds.map((r, i) => {
      const opened = rounds.find((x) => x.round_index === i);
      return { ...r, state: opened ? toRound(opened) : null };
    }),
    entryCounts,
    allowedMoves: allowedMoves(c.phase),
  };
}

/** A draft contest and its workflow. Without its workflow the contest could never move: the row is taken back then. */
export async function createContest(deps: AppDeps, user: Principal, requestId: string, input: ContestInput) {
  const settings = settingsOf(input);
  const row = await deps.db.transaction(async (trx) => {
    const region = await findRegionForContest(trx, input.regionId);
    // A region outside the organiser's scope is as unknown as one that does not exist.
    if (!region || (!hasRole(user, 'admin') && user.regionPath !== null && !region.path.startsWith(user.regionPath))) throw new NotFoundError('region', '/body/regionId');
    await checkContestReferences(trx, user, input);
    checkContest(settings, input, deps.clock());
    const created = await insertContest(trx, {
      name: input.name, region_id: region.id, region_path: region.path, programme_ids: input.programmeIds, settings: JSON.stringify(settings),
      entries_close_at: input.entriesCloseAt ? new Date(input.entriesCloseAt) : null, roadshow_on: input.roadshowOn ?? null, phase: 'draft', created_by: user.id,
    });
    await writeAudit(trx, { actorId: user.id, action: 'create', objectType: 'contest', objectId: created.id, after: toContest(created), requestId });
    return created;
  });
  try {
    await startContestWorkflow(deps, row.id);
  } catch (err) {
    await deps.db.transaction(async (trx) => {
      await deleteContest(trx, row.id);
      await writeAudit(trx, { actorId: user.id, action: 'delete', objectType: 'contest', objectId: row.id, before: toContest(row), requestId });
    });
    throw err;
  }
  return contestJson(deps.db, row);
}

/** Changes a draft contest; its settings are frozen once entries open (409 naming the phase). */
export async function updateContest(trx: Knex.Transaction, user: Principal, requestId: string, now: Date, contestId: string, input: Partial<ContestInput>) {
  await runContest(trx, user, contestId);
  const before = await lockContestForEdit(trx, contestId);
  if (!before) throw new NotFoundError('contest');
  if (before.phase !== 'draft') throw new IllegalMoveError(before.phase, 'update', msg('problem.illegal-move.contest-draft', { current: before.phase }));
  await checkContestReferences(trx, user, input);
  const settings = settingsOf(input, before.settings);
  checkContest(settings, input, now);
  const changes: Record<string, unknown> = { settings: JSON.stringify(settings), updated_at: now };
  if (input.name !== undefined) changes.name = input.name;
  if (input.programmeIds !== undefined) changes.programme_ids = input.programmeIds;
  if (input.entriesCloseAt !== undefined) changes.entries_close_at = input.entriesCloseAt ? new Date(input.entriesCloseAt) : null;
  if (input.roadshowOn !== undefined) changes.roadshow_on = input.roadshowOn;
  const after = await updateContestRow(trx, contestId, changes);
  await writeAudit(trx, { actorId: user.id, action: 'update', objectType: 'contest', objectId: contestId, before: toContest(before), after: toContest(after), requestId });
  return contestJson(trx, after);
}

// ---- reads --------------------------------------------------------------------------------------------------------

export async function listContests(db: Knex, user: Principal, query: { limit: number; cursor?: string; phase?: string; q?: string }) {
  const q = contestsQuery(db, user, { phase: query.phase, nameLike: query.q ? containsPattern(query.q) : undefined });
  return keysetPage(db, q, { limit: query.limit, cursor: query.cursor, table: 'contests' }, (r: ContestRow) => ({ ...toContest(r), allowedMoves: allowedMoves(r.phase) }));
}

export async function getContest(db: Knex, user: Principal, contestId: string) {
  const c = await visibleContest(db, user, contestId);
  const json = await contestJson(db, c);
  return { ...json, youRunIt: runsContest(user, c), youJudgeIt: await isJudge(db, c.id, user.id) };
}

// ---- phase moves --------------------------------------------------------------------------------------------------

/**
 * One phase move, asked by an organiser and decided by the workflow's validator. Nothing here reads the phase: a
 * retry with the same Idempotency-Key (the same update id) gets the applied move's answer, not a 409.
 */
export async function moveContest<A extends object>(deps: AppDeps, user: Principal, contestId: string, move: string, update: UpdateDefinition<ContestView, [A]>, args: A, idempotencyKey?: string): Promise<ContestView> {
  const c = await runContest(deps.db, user, contestId);
  return executeContestUpdate(deps, c.id, update, move, args, idempotencyKey ? `${move}:${idempotencyKey}` : undefined);
}
