// Judging: the judge pool, assignments and their reassignment, score sheets, rankings. The only place where the
// judging routes meet SQL (db/repositories/contest-judging.ts).
import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { sharedTimeZone } from '../../db/repositories/programmes';
import { contestTaskKey, fen, openContestTasks, type ContestRow } from '../../db/repositories/contests';
import {
  addJudges as insertJudges, assignmentsQuery, closeJudgeTasksIfDone, entryOfContest, findRanking, findRound, hasSheet, judgePool, judgesOf, lockAssignment, rankingEntries,
  removeJudge as deleteJudge, replaceAssignment, roundAssignments, roundProgress, shareAssignedRound, shareRound, upsertSheet, usersByIds, type AssignmentRow,
} from '../../db/repositories/contest-judging';
import { checkScoreSheets, sheetTotal } from '../../workflows/contest-rules/normalise';
import { isEligible, reassignJudge } from '../../workflows/contest-rules/judge-assignment';
import { addDuration } from '../../workflows/rules/duration';
import type { Principal } from '../auth';
import { entryJson, hidesOrganisation, type EntryJoinedRow } from '../contest-entries/service';
import { requirePhase, runContest, runsContest, shareContest, visibleContest } from '../contests/service';
import { BusinessRuleError, ConflictError, IllegalMoveError, NotFoundError, type FieldError, says } from '../errors';
import { msg } from '../../i18n';
import { sortedPage, type SortKey } from '../paging';

const judgeTaskPrefixes = (contestId: string, roundKey: string, judgeId: string) => [contestTaskKey(contestId, 'score', roundKey, judgeId), contestTaskKey(contestId, 'remind', roundKey, judgeId)];

async function judgesJson(db: Knex | Knex.Transaction, c: ContestRow, roundKey?: string) {
  const round = await findRound(db, c.id, roundKey);
  const [judges, progress] = await Promise.all([judgesOf(db, c.id), round ? roundProgress(db, round.id) : Promise.resolve(new Map<string, { assigned: number; scored: number }>())]);
  return {
    roundKey: round?.round_key ?? null,
    roundClosed: round ? round.closed_at !== null : null,
    deadlineAt: round?.deadline_at.toISOString() ?? null,
    items: judges.map((j) => {
      const p = progress.get(j.id) ?? { assigned: 0, scored: 0 };
      return {
        userId: j.id, displayName: j.display_name, organisationId: j.organisation_id, organisationName: j.organisation_name,
        conflictOrganisationIds: j.conflictOrganisationIds, addedAt: j.created_at.toISOString(), assigned: p.assigned, scored: p.scored, missing: p.assigned - p.scored,
      };
    }),
  };
}

/**
 * Adds judges to the pool. Each user id is a reference like a path id: one that names no account answers 404; an
 * account that cannot judge (no reviewer role, disabled) is a rule (422).
 */
export async function addJudges(trx: Knex.Transaction, user: Principal, requestId: string, contestId: string, userIds: string[]) {
  const c = await runContest(trx, user, contestId);
  requirePhase(await shareContest(trx, c.id), ['draft', 'open', 'screening', 'judging'], 'addJudges');
  const users = await usersByIds(trx, userIds);
  const unknown = userIds.findIndex((id) => !users.some((u) => u.id === id));
  if (unknown >= 0) throw new NotFoundError('user', `/body/userIds/${unknown}`);
  const errors: FieldError[] = [];
  userIds.forEach((id, i) => {
    const u = users.find((x) => x.id === id)!;
    if (!u.roles.includes('reviewer')) errors.push({ field: `/body/userIds/${i}`, rule: 'judge-role', ...says('field.judge-role') });
    else if (u.disabled) errors.push({ field: `/body/userIds/${i}`, rule: 'enabled', ...says('field.account-disabled') });
  });
  if (errors.length) throw new BusinessRuleError(errors);
  const added = await insertJudges(trx, c.id, userIds, user.id);
  if (added.length) await writeAudit(trx, { actorId: user.id, action: 'add_judges', objectType: 'contest', objectId: c.id, after: { userIds: added }, requestId });
  return judgesJson(trx, c);
}

export async function listJudges(db: Knex, user: Principal, contestId: string, roundKey?: string) {
  return judgesJson(db, await runContest(db, user, contestId), roundKey);
}

export async function removeJudge(trx: Knex.Transaction, user: Principal, requestId: string, contestId: string, userId: string): Promise<void> {
  const c = await runContest(trx, user, contestId);
  requirePhase(await shareContest(trx, c.id), ['draft', 'open', 'screening'], 'removeJudge');
  if (!(await deleteJudge(trx, c.id, userId))) throw new NotFoundError('judge');
  await writeAudit(trx, { actorId: user.id, action: 'remove_judge', objectType: 'contest', objectId: c.id, before: { userId }, requestId });
}

export async function listAssignments(db: Knex, user: Principal, contestId: string, query: { limit: number; cursor?: string; roundKey?: string; judgeId?: string; entryId?: string }) {
  const c = await visibleContest(db, user, contestId);
  const organiser = runsContest(user, c);
  // A judge sees only their own live assignments, whatever judge the query names.
  const q = assignmentsQuery(db, c.id, { judgeId: organiser ? query.judgeId : user.id, onlyAssigned: !organiser, roundKey: query.roundKey, entryId: query.entryId });
  const keys: SortKey[] = [{ column: 'r.round_index', type: 'integer' }, { column: 'a.entry_id', type: 'uuid' }, { column: 'a.judge_id', type: 'uuid' }];
  return sortedPage(db, q, keys, { limit: query.limit, cursor: query.cursor }, (r: EntryJoinedRow & AssignmentRow) => ({
    roundKey: r.round_key,
    roundIndex: r.round_index,
    roundClosed: r.round_closed_at !== null,
    judgeId: r.judge_id,
    status: r.assignment_status,
    dueAt: r.due_at.toISOString(),
    entry: entryJson(r, { hideOrganisation: hidesOrganisation(user, c, r.organisation_id), showRank: false }),
    sheet: r.sheet_scores
      ? { scores: r.sheet_scores, comment: r.sheet_comment ?? '', total: Number(r.sheet_total), submittedAt: r.sheet_submitted_at!.toISOString(), updatedAt: r.sheet_updated_at!.toISOString() }
      : null,
  }));
}

/**
 * Replaces a judge on one entry of an open round. The entry and both judges are references like path ids: an entry
 * that is not this contest's answers 404; a judge not assigned, or not in the pool, is a rule (422).
 */
export async function reassign(db: Knex, user: Principal, requestId: string, now: Date, contestId: string, roundKey: string, input: { entryId: string; fromJudgeId: string; toJudgeId?: string }) {
  const c = await runContest(db, user, contestId);
  const result = await db.transaction(async (trx) => {
    const round = await shareRound(trx, c.id, roundKey);
    if (!round) throw new NotFoundError('round');
    const entry = await entryOfContest(trx, c.id, input.entryId);
    if (!entry) throw new NotFoundError('entry', '/body/entryId');
    if (round.closed_at) throw new IllegalMoveError((await shareContest(trx, c.id)).phase, 'reassignJudge', msg('problem.illegal-move.round-closed', { round: round.round_key }));
    const current = await lockAssignment(trx, round.id, input.entryId, input.fromJudgeId);
    if (!current) throw new BusinessRuleError([{ field: '/body/fromJudgeId', rule: 'assigned', ...says('field.judge-not-assigned') }]);
    if (await hasSheet(trx, round.id, input.entryId, input.fromJudgeId)) throw new ConflictError(msg('problem.conflict.judge-scored'), { currentStage: c.phase });
    const pool = (await judgePool(trx, c.id)).filter((j) => !j.disabled);
    const assigned = await roundAssignments(trx, round.id);
    const target = { entryId: entry.id, organisationId: entry.organisation_id };
    let toJudgeId: string;
    if (input.toJudgeId) {
      const judge = pool.find((j) => j.judgeId === input.toJudgeId);
      const errors: FieldError[] = [];
      if (!judge) errors.push({ field: '/body/toJudgeId', rule: 'in-pool', ...says('field.in-pool') });
      else if (!isEligible(judge, target)) errors.push({ field: '/body/toJudgeId', rule: 'judge-free-of-conflict', ...says('field.judge-conflict') });
      else if (assigned.some((a) => a.entryId === target.entryId && a.judgeId === input.toJudgeId)) errors.push({ field: '/body/toJudgeId', rule: 'not-on-entry', ...says('field.not-on-entry') });
      if (errors.length) throw new BusinessRuleError(errors);
      toJudgeId = input.toJudgeId;
    } else {
      const pick = reassignJudge(target, input.fromJudgeId, pool, assigned.filter((a) => !(a.entryId === target.entryId && a.judgeId === input.fromJudgeId)));
      if (!pick) throw new BusinessRuleError([{ field: '/body/toJudgeId', rule: 'judge-free-of-conflict', ...says('field.no-free-judge') }]);
      toJudgeId = pick.judgeId;
    }
    const roundSettings = c.settings.rounds[round.round_index];
    // The new judge gets the round's full judging time from now, or the round's deadline if that is later.
    const fresh = new Date(addDuration(now.toISOString(), roundSettings.judgingDeadline));
    const dueAt = fresh > round.deadline_at ? fresh : round.deadline_at;
    await replaceAssignment(trx, { roundId: round.id, contestId: c.id, entryId: input.entryId, fromJudgeId: input.fromJudgeId, toJudgeId, dueAt, at: now });
    await openContestTasks(trx, c.id, [{
      key: contestTaskKey(c.id, 'score', round.round_key, toJudgeId, input.entryId), userId: toJudgeId, kind: 'contest_score',
      title: msg('task.contest.score-reassigned', { contest: c.name, round: roundSettings.name }), dueAt,
    }], now);
    await writeAudit(trx, { actorId: user.id, action: 'reassign_judge', objectType: 'contest', objectId: c.id, before: { round: round.round_key, entryId: input.entryId, judgeId: input.fromJudgeId }, after: { judgeId: toJudgeId, dueAt: dueAt.toISOString() }, requestId });
    return { roundId: round.id, roundKey: round.round_key, entryId: input.entryId, fromJudgeId: input.fromJudgeId, toJudgeId, dueAt: dueAt.toISOString() };
  });
  await closeJudgeTasksIfDone(db, judgeTaskPrefixes(c.id, result.roundKey, result.fromJudgeId), c.id, result.roundId, result.fromJudgeId);
  const { roundId: _roundId, ...reply } = result;
  return reply;
}

/** A judge's sheet for an entry assigned to them: wholly in before the round closes, or refused (409). Anyone not assigned finds nothing (404). */
export async function submitScores(db: Knex, user: Principal, requestId: string, contestId: string, roundKey: string, entryId: string, input: { scores: Record<string, number>; comment?: string }) {
  const sheet = await db.transaction(async (trx) => {
    const found = await shareAssignedRound(trx, contestId, roundKey, entryId, user.id);
    if (!found) throw new NotFoundError('assignment');
    if (found.closed_at) {
      const contest = await trx<ContestRow>('contests').where({ id: contestId }).first('programme_ids');
      const timeZone = await sharedTimeZone(trx, contest?.programme_ids ?? []);
      throw new IllegalMoveError(found.phase, 'submitScore', msg('problem.illegal-move.round-frozen', { round: found.round_key, closedAt: found.closed_at.toISOString(), timeZone }));
    }
    const criteria = found.settings.rounds[found.round_index].criteria;
    const violations = checkScoreSheets(criteria, [{ entryId, judgeId: user.id, scores: input.scores }]);
    if (violations.length) throw new BusinessRuleError(violations.map((v) => ({ ...v, field: v.field.replace(/^\/0/, '/body') })));
    const total = Math.round(sheetTotal(criteria, input.scores) * 1e4) / 1e4;
    const row = await upsertSheet(trx, { roundId: found.id, entryId, judgeId: user.id, contestId, scores: input.scores, comment: input.comment ?? '', total });
    await writeAudit(trx, { actorId: user.id, action: 'score', objectType: 'contest_entry', objectId: entryId, after: { round: found.round_key, scores: input.scores, total }, requestId });
    return row;
  });
  // After the commit, so that of two last sheets racing, the second to commit sees both.
  await closeJudgeTasksIfDone(db, judgeTaskPrefixes(contestId, roundKey, user.id), contestId, sheet.round_id, user.id);
  return {
    roundKey, entryId, judgeId: user.id, scores: sheet.scores, comment: sheet.comment, total: Number(sheet.total),
    submittedAt: sheet.submitted_at.toISOString(), updatedAt: sheet.updated_at.toISOString(),
  };
}

export async function getRanking(db: Knex, user: Principal, contestId: string, roundKey?: string) {
  return rankingJson(db, user, await visibleContest(db, user, contestId), roundKey);
}

/** A ranking snapshot as JSON; 404 when there is none the user may see. */
export async function rankingJson(db: Knex, user: Principal, c: ContestRow, roundKey?: string) {
  const organiser = runsContest(user, c);
  let rankingId: string | null;
  if (roundKey) {
    const round = organiser ? await findRound(db, c.id, roundKey) : undefined;
    rankingId = round?.ranking_id ?? null;
  } else {
    rankingId = organiser || c.published_at ? c.final_ranking_id : null;
  }
  const ranking = rankingId ? await findRanking(db, rankingId) : undefined;
  if (!ranking) throw new NotFoundError('ranking');
  const rows = await rankingEntries(db, ranking.id);
  const items = rows.map((r) => ({
    rank: r.rank, trackRank: r.track_rank, trackKey: r.track_key, score: Number(r.score), sheetCount: r.sheet_count, roundKey: r.round_key,
    entryId: r.entry_id, projectId: r.project_id, title: r.title, organisationId: r.organisation_id, organisationName: r.organisation_name, amountAskedFen: fen(r.amount_asked_fen),
  }));
  const byTrack: Record<string, typeof items> = {};
  for (const t of c.settings.tracks) byTrack[t.key] = items.filter((i) => i.trackKey === t.key);
  return {
    id: ranking.id,
    kind: ranking.kind,
    method: ranking.method,
    roundKey: roundKey ?? null,
    computedAt: ranking.computed_at.toISOString(),
    publishedAt: ranking.published_at ? ranking.published_at.toISOString() : null,
    tieBreak: 'score desc, then smaller amount asked, then earlier entry, then entry id; roadshow finalists above entries eliminated earlier',
    unscoredEntryIds: ranking.data.unscored ?? [],
    overall: items,
    byTrack,
  };
}
