import type { Knex } from 'knex';
import { writeAudit } from '../../db/repositories/audit';
import { contestTaskKey, fen, openContestTasks, type ContestRoundRow, type ContestRow } from '../../db/repositories/contests';
import { checkScoreSheets, sheetTotal } from '../../workflows/contest-rules/normalise';
import { isEligible, reassignJudge, type AssignableJudge } from '../../workflows/contest-rules/judge-assignment';
import { addDuration } from '../../workflows/rules/duration';
import type { Principal } from '../auth';
import { requirePhase, runContest, runsContest, shareContest, visibleContest } from '../contests/service';
import { BusinessRuleError, ConflictError, IllegalMoveError, NotFoundError, type FieldError } from '../errors';
import { escapeLike, sortedPage, type SortKey } from '../paging';
import type { RouteRegistry } from '../registry';
import { entryJson, hidesOrganisation, type EntryJoinedRow } from './contest-entries';

const RUNNERS = ['organiser', 'admin'] as const;

/** The contest's judges with their organisation and declared conflicts: what assignment must respect. */
async function judgePool(db: Knex | Knex.Transaction, contestId: string): Promise<(AssignableJudge & { disabled: boolean })[]> {
  const judges = (await db('contest_judges as j').join('users as u', 'u.id', 'j.user_id').where('j.contest_id', contestId).select('u.id', 'u.organisation_id', 'u.disabled')) as { id: string; organisation_id: string | null; disabled: boolean }[];
  const conflicts = judges.length
    ? ((await db('conflict_declarations').whereIn('user_id', judges.map((j) => j.id)).select('user_id', 'organisation_id')) as { user_id: string; organisation_id: string }[])
    : [];
  return judges.map((j) => ({
    judgeId: j.id,
    organisationIds: j.organisation_id ? [j.organisation_id] : [],
    conflictOrganisationIds: conflicts.filter((x) => x.user_id === j.id).map((x) => x.organisation_id),
    disabled: j.disabled,
  }));
}

async function judgesJson(db: Knex, c: ContestRow, roundKey?: string) {
  const round = roundKey
    ? await db<ContestRoundRow>('contest_rounds').where({ contest_id: c.id, round_key: roundKey }).first()
    : await db<ContestRoundRow>('contest_rounds').where({ contest_id: c.id }).orderBy('round_index', 'desc').first();
  const judges = (await db('contest_judges as j')
    .join('users as u', 'u.id', 'j.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .where('j.contest_id', c.id)
    .orderBy('u.display_name')
    .select('u.id', 'u.display_name', 'u.organisation_id', 'o.name as organisation_name', 'j.created_at')) as { id: string; display_name: string; organisation_id: string | null; organisation_name: string | null; created_at: Date }[];
  const conflicts = judges.length ? ((await db('conflict_declarations').whereIn('user_id', judges.map((j) => j.id)).select('user_id', 'organisation_id')) as { user_id: string; organisation_id: string }[]) : [];
  const progress = new Map<string, { assigned: number; scored: number }>();
  if (round) {
    const rows = (await db('contest_assignments as a')
      .leftJoin('contest_scores as s', function () {
        this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
      })
      .where({ 'a.round_id': round.id, 'a.status': 'assigned' })
      .groupBy('a.judge_id')
      .select('a.judge_id', db.raw('count(*) as assigned'), db.raw('count(s.judge_id) as scored'))) as { judge_id: string; assigned: string; scored: string }[];
    for (const r of rows) progress.set(r.judge_id, { assigned: Number(r.assigned), scored: Number(r.scored) });
  }
  return {
    roundKey: round?.round_key ?? null,
    roundClosed: round ? round.closed_at !== null : null,
    deadlineAt: round?.deadline_at.toISOString() ?? null,
    items: judges.map((j) => {
      const p = progress.get(j.id) ?? { assigned: 0, scored: 0 };
      return {
        userId: j.id, displayName: j.display_name, organisationId: j.organisation_id, organisationName: j.organisation_name,
        conflictOrganisationIds: conflicts.filter((x) => x.user_id === j.id).map((x) => x.organisation_id),
        addedAt: j.created_at.toISOString(),
        assigned: p.assigned, scored: p.scored, missing: p.assigned - p.scored,
      };
    }),
  };
}

/**
 * Closes a judge's score and reminder tasks of a round once nothing assigned to them there is left unscored: one
 * statement, run after the sheet's transaction has committed. Of two last sheets committed side by side, the one
 * that commits second runs this after both commits, so it sees both and closes the task; no lock is needed.
 */
async function closeJudgeTasksIfDone(db: Knex, contestId: string, roundId: string, roundKey: string, judgeId: string): Promise<void> {
  const prefixes = [contestTaskKey(contestId, 'score', roundKey, judgeId), contestTaskKey(contestId, 'remind', roundKey, judgeId)];
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

export function registerContestJudgingRoutes(registry: RouteRegistry): void {
  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/judges',
    operationId: 'contestJudges.add',
    summary: "Add judges (评审专家, accounts with the reviewer role) to the contest's pool; assignment picks from it",
    tag: 'contests',
    access: RUNNERS,
    handler: async ({ params, body, user, deps, requestId }) => {
      const { userIds } = body as { userIds: string[] };
      const c = await runContest(deps.db, user, params.id);
      await deps.db.transaction(async (trx) => {
        const locked = await shareContest(trx, c.id);
        requirePhase(locked, ['draft', 'open', 'screening', 'judging'], 'addJudges');
        const users = (await trx('users').whereIn('id', userIds).select('id', 'roles', 'disabled')) as { id: string; roles: string[]; disabled: boolean }[];
        const errors: FieldError[] = [];
        userIds.forEach((id, i) => {
          const u = users.find((x) => x.id === id);
          if (!u) errors.push({ field: `/body/userIds/${i}`, rule: 'exists', message: 'names no existing user' });
          else if (!u.roles.includes('reviewer')) errors.push({ field: `/body/userIds/${i}`, rule: 'judge-role', message: 'a judge must hold the reviewer role' });
          else if (u.disabled) errors.push({ field: `/body/userIds/${i}`, rule: 'enabled', message: 'the account is disabled' });
        });
        if (errors.length) throw new BusinessRuleError(errors);
        const added = await trx('contest_judges').insert(userIds.map((id) => ({ contest_id: c.id, user_id: id, added_by: user.id }))).onConflict(['contest_id', 'user_id']).ignore().returning('user_id');
        if (added.length) await writeAudit(trx, { actorId: user.id, action: 'add_judges', objectType: 'contest', objectId: c.id, after: { userIds: added.map((a: { user_id: string }) => a.user_id) }, requestId });
      });
      return { body: await judgesJson(deps.db, c) };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/judges',
    operationId: 'contestJudges.list',
    summary: 'The judge pool with each judge\'s progress in a round (the latest by default): assigned, scored, missing',
    tag: 'contests',
    access: RUNNERS,
    handler: async ({ params, query, user, deps }) => {
      const c = await runContest(deps.db, user, params.id);
      return { body: await judgesJson(deps.db, c, query.roundKey) };
    },
  });

  registry.add({
    method: 'delete',
    path: '/api/v1/contests/:id/judges/:userId',
    operationId: 'contestJudges.remove',
    summary: 'Take a judge out of the pool before judging starts',
    tag: 'contests',
    access: RUNNERS,
    status: 204,
    handler: async ({ params, user, deps, requestId }) => {
      const c = await runContest(deps.db, user, params.id);
      await deps.db.transaction(async (trx) => {
        const locked = await shareContest(trx, c.id);
        requirePhase(locked, ['draft', 'open', 'screening'], 'removeJudge');
        const n = await trx('contest_judges').where({ contest_id: c.id, user_id: params.userId }).delete();
        if (!n) throw new NotFoundError('judge');
        await writeAudit(trx, { actorId: user.id, action: 'remove_judge', objectType: 'contest', objectId: c.id, before: { userId: params.userId }, requestId });
      });
      return { status: 204 };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/assignments',
    operationId: 'contestAssignments.list',
    summary: "Judge assignments with each sheet: a judge sees only their own (blind: without the organisation); organisers see all",
    tag: 'contests',
    access: ['reviewer', ...RUNNERS],
    handler: async ({ params, query, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      const organiser = runsContest(user, c);
      const q = deps.db('contest_assignments as a')
        .join('contest_rounds as r', 'r.id', 'a.round_id')
        .join('contest_entries as e', 'e.id', 'a.entry_id')
        .join('projects as p', 'p.id', 'e.project_id')
        .join('organisations as o', 'o.id', 'e.organisation_id')
        .leftJoin('contest_scores as s', function () {
          this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
        })
        .where('a.contest_id', c.id)
        .select(
          'e.*', 'p.title', 'p.summary', 'p.target_groups', 'o.name as organisation_name',
          'a.judge_id', 'a.status as assignment_status', 'a.due_at', 'r.round_key', 'r.round_index', 'r.closed_at as round_closed_at',
          's.scores as sheet_scores', 's.comment as sheet_comment', 's.total as sheet_total', 's.submitted_at as sheet_submitted_at', 's.updated_at as sheet_updated_at',
        );
      if (!organiser) q.where({ 'a.judge_id': user.id, 'a.status': 'assigned' });
      else if (query.judgeId) q.where('a.judge_id', query.judgeId);
      if (query.roundKey) q.where('r.round_key', query.roundKey);
      if (query.entryId) q.where('a.entry_id', query.entryId);
      type Row = EntryJoinedRow & {
        judge_id: string; assignment_status: string; due_at: Date; round_key: string; round_index: number; round_closed_at: Date | null;
        sheet_scores: Record<string, number> | null; sheet_comment: string | null; sheet_total: string | null; sheet_submitted_at: Date | null; sheet_updated_at: Date | null;
      };
      const keys: SortKey[] = [{ column: 'r.round_index', type: 'integer' }, { column: 'a.entry_id', type: 'uuid' }, { column: 'a.judge_id', type: 'uuid' }];
      const page = await sortedPage(deps.db, q, keys, { limit: query.limit, cursor: query.cursor }, (r: Row) => ({
        roundKey: r.round_key,
        roundIndex: r.round_index,
        roundClosed: r.round_closed_at !== null,
        judgeId: r.judge_id,
        status: r.assignment_status,
        dueAt: r.due_at.toISOString(),
        entry: entryJson(r, { hideOrganisation: hidesOrganisation(user, c, r.organisation_id), showRank: false }),
        sheet: r.sheet_scores
          ? { scores: r.sheet_scores, comment: r.sheet_comment, total: Number(r.sheet_total), submittedAt: r.sheet_submitted_at!.toISOString(), updatedAt: r.sheet_updated_at!.toISOString() }
          : null,
      }));
      return { body: page };
    },
  });

  registry.add({
    method: 'post',
    path: '/api/v1/contests/:id/rounds/:roundKey/reassignments',
    operationId: 'contestAssignments.reassign',
    summary: 'Replace a judge on one entry of an open round (a named judge, or the least-loaded one free of conflict); a judge who already scored stays',
    tag: 'contests',
    access: RUNNERS,
    status: 201,
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as { entryId: string; fromJudgeId: string; toJudgeId?: string };
      const c = await runContest(deps.db, user, params.id);
      const result = await deps.db.transaction(async (trx) => {
        const round = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: c.id, round_key: params.roundKey }).forShare().first();
        if (!round) throw new NotFoundError('round');
        if (round.closed_at) throw new IllegalMoveError((await trx('contests').where({ id: c.id }).first('phase')).phase, 'reassignJudge', `round "${round.round_key}" is closed`);
        const current = await trx('contest_assignments').where({ round_id: round.id, entry_id: input.entryId, judge_id: input.fromJudgeId, status: 'assigned' }).forUpdate().first();
        if (!current) throw new BusinessRuleError([{ field: '/body/fromJudgeId', rule: 'assigned', message: 'is not assigned to this entry in this round' }]);
        const sheet = await trx('contest_scores').where({ round_id: round.id, entry_id: input.entryId, judge_id: input.fromJudgeId }).first('judge_id');
        if (sheet) throw new ConflictError('this judge has already scored the entry; their sheet stays', { currentStage: c.phase });
        const entry = await trx('contest_entries').where({ id: input.entryId }).first('id', 'organisation_id');
        const pool = (await judgePool(trx, c.id)).filter((j) => !j.disabled);
        const roundAssignments = (await trx('contest_assignments').where({ round_id: round.id, status: 'assigned' }).select('entry_id as entryId', 'judge_id as judgeId')) as { entryId: string; judgeId: string }[];
        const target = { entryId: entry.id as string, organisationId: entry.organisation_id as string };
        let toJudgeId: string;
        if (input.toJudgeId) {
          const judge = pool.find((j) => j.judgeId === input.toJudgeId);
          const errors: FieldError[] = [];
          if (!judge) errors.push({ field: '/body/toJudgeId', rule: 'in-pool', message: "is not one of this contest's judges" });
          else if (!isEligible(judge, target)) errors.push({ field: '/body/toJudgeId', rule: 'judge-free-of-conflict', message: 'belongs to or declared a conflict of interest with the applicant organisation' });
          else if (roundAssignments.some((a) => a.entryId === target.entryId && a.judgeId === input.toJudgeId)) errors.push({ field: '/body/toJudgeId', rule: 'not-on-entry', message: 'already judges this entry' });
          if (errors.length) throw new BusinessRuleError(errors);
          toJudgeId = input.toJudgeId;
        } else {
          const pick = reassignJudge(target, input.fromJudgeId, pool, roundAssignments.filter((a) => !(a.entryId === target.entryId && a.judgeId === input.fromJudgeId)));
          if (!pick) throw new BusinessRuleError([{ field: '/body/toJudgeId', rule: 'judge-free-of-conflict', message: 'no other judge of the pool is free of conflict of interest with this entry' }]);
          toJudgeId = pick.judgeId;
        }
        const roundSettings = c.settings.rounds[round.round_index];
        const now = deps.clock();
        // The new judge gets the round's full judging time from now, or the round's deadline if that is later.
        const fresh = new Date(addDuration(now.toISOString(), roundSettings.judgingDeadline));
        const dueAt = fresh > round.deadline_at ? fresh : round.deadline_at;
        await trx('contest_assignments').where({ round_id: round.id, entry_id: input.entryId, judge_id: input.fromJudgeId }).update({ status: 'replaced', replaced_at: now });
        await trx('contest_assignments')
          .insert({ round_id: round.id, entry_id: input.entryId, judge_id: toJudgeId, contest_id: c.id, status: 'assigned', due_at: dueAt, assigned_at: now })
          .onConflict(['round_id', 'entry_id', 'judge_id'])
          .merge({ status: 'assigned', due_at: dueAt, replaced_at: null });
        await openContestTasks(trx, c.id, [{
          key: contestTaskKey(c.id, 'score', round.round_key, toJudgeId, input.entryId), userId: toJudgeId, kind: 'contest_score',
          title: `Score an entry reassigned to you in "${c.name}", round "${roundSettings.name}"`, dueAt,
        }], now);
        await writeAudit(trx, { actorId: user.id, action: 'reassign_judge', objectType: 'contest', objectId: c.id, before: { round: round.round_key, entryId: input.entryId, judgeId: input.fromJudgeId }, after: { judgeId: toJudgeId, dueAt: dueAt.toISOString() }, requestId });
        return { roundId: round.id, roundKey: round.round_key, entryId: input.entryId, fromJudgeId: input.fromJudgeId, toJudgeId, dueAt: dueAt.toISOString() };
      });
      await closeJudgeTasksIfDone(deps.db, c.id, result.roundId, result.roundKey, result.fromJudgeId);
      const { roundId: _roundId, ...reply } = result;
      return { status: 201, body: reply };
    },
  });

  registry.add({
    method: 'put',
    path: '/api/v1/contests/:id/rounds/:roundKey/scores/:entryId',
    operationId: 'contestScores.submit',
    summary: "Score (or revise the score of) an entry assigned to you, every criterion within its range, until the round closes; a sheet racing the close is wholly in or refused",
    tag: 'contests',
    access: ['reviewer'],
    handler: async ({ params, body, user, deps, requestId }) => {
      const input = body as { scores: Record<string, number>; comment?: string };
      const sheet = await deps.db.transaction(async (trx) => {
        // One statement finds the judge's assignment and holds it and its round FOR SHARE: closing the round takes
        // the round FOR UPDATE, so this sheet commits before the close reads the sheets, or it sees closed_at and
        // is refused. Never half. Anyone not assigned (or a contest they cannot see) finds nothing: 404.
        const found = (await trx('contest_rounds as r')
          .join('contest_assignments as a', 'a.round_id', 'r.id')
          .join('contests as c', 'c.id', 'r.contest_id')
          .where({ 'r.contest_id': params.id, 'r.round_key': params.roundKey, 'a.entry_id': params.entryId, 'a.judge_id': user.id, 'a.status': 'assigned' })
          .select('r.id', 'r.round_index', 'r.round_key', 'r.closed_at', 'c.phase', 'c.settings')
          .forShare('r', 'a')
          .first()) as { id: string; round_index: number; round_key: string; closed_at: Date | null; phase: string; settings: ContestRow['settings'] } | undefined;
        if (!found) throw new NotFoundError('assignment');
        if (found.closed_at) throw new IllegalMoveError(found.phase, 'submitScore', `round "${found.round_key}" closed at ${found.closed_at.toISOString()}; its scores are frozen`);
        const criteria = found.settings.rounds[found.round_index].criteria;
        const violations = checkScoreSheets(criteria, [{ entryId: params.entryId, judgeId: user.id, scores: input.scores }]);
        if (violations.length) throw new BusinessRuleError(violations.map((v) => ({ ...v, field: v.field.replace(/^\/0/, '/body') })));
        const total = Math.round(sheetTotal(criteria, input.scores) * 1e4) / 1e4;
        const [row] = await trx('contest_scores')
          .insert({
            round_id: found.id, entry_id: params.entryId, judge_id: user.id, contest_id: params.id, scores: JSON.stringify(input.scores), comment: input.comment ?? '', total,
            submitted_at: trx.raw('clock_timestamp()'), updated_at: trx.raw('clock_timestamp()'),
          })
          .onConflict(['round_id', 'entry_id', 'judge_id'])
          .merge({ scores: JSON.stringify(input.scores), comment: input.comment ?? '', total, updated_at: trx.raw('clock_timestamp()') })
          .returning('*');
        await writeAudit(trx, { actorId: user.id, action: 'score', objectType: 'contest_entry', objectId: params.entryId, after: { round: found.round_key, scores: input.scores, total }, requestId });
        return row as { round_id: string; scores: Record<string, number>; comment: string; total: string; submitted_at: Date; updated_at: Date };
      });
      await closeJudgeTasksIfDone(deps.db, params.id, sheet.round_id, params.roundKey, user.id);
      return {
        body: {
          roundKey: params.roundKey, entryId: params.entryId, judgeId: user.id, scores: sheet.scores, comment: sheet.comment, total: Number(sheet.total),
          submittedAt: sheet.submitted_at.toISOString(), updatedAt: sheet.updated_at.toISOString(),
        },
      };
    },
  });

  registry.add({
    method: 'get',
    path: '/api/v1/contests/:id/ranking',
    operationId: 'contestRanking.get',
    summary: 'The final ranking (organisers before publication; everyone after) or, for organisers, a round ranking: overall and per track, with the documented tie-break',
    tag: 'contests',
    access: 'authenticated',
    handler: async ({ params, query, user, deps }) => {
      const c = await visibleContest(deps.db, user, params.id);
      return { body: await rankingJson(deps.db, user, c, query.roundKey) };
    },
  });
}

/** A ranking snapshot as JSON; 404 when there is none the user may see. */
export async function rankingJson(db: Knex, user: Principal, c: ContestRow, roundKey?: string) {
  const organiser = runsContest(user, c);
  let rankingId: string | null;
  if (roundKey) {
    const round = organiser ? await db<ContestRoundRow>('contest_rounds').where({ contest_id: c.id, round_key: roundKey }).first() : undefined;
    rankingId = round?.ranking_id ?? null;
  } else {
    rankingId = organiser || c.published_at ? c.final_ranking_id : null;
  }
  if (!rankingId) throw new NotFoundError('ranking');
  const ranking = await db('contest_rankings').where({ id: rankingId }).first();
  const rows = (await db('contest_ranking_entries as r')
    .join('contest_entries as e', 'e.id', 'r.entry_id')
    .join('projects as p', 'p.id', 'e.project_id')
    .join('organisations as o', 'o.id', 'e.organisation_id')
    .where('r.ranking_id', rankingId)
    .orderBy('r.rank')
    .select('r.*', 'e.project_id', 'e.organisation_id', 'e.amount_asked_fen', 'p.title', 'o.name as organisation_name')) as {
    entry_id: string; rank: number; track_key: string; track_rank: number; score: string; sheet_count: number; round_key: string;
    project_id: string; organisation_id: string; amount_asked_fen: string; title: string; organisation_name: string;
  }[];
  const items = rows.map((r) => ({
    rank: r.rank, trackRank: r.track_rank, trackKey: r.track_key, score: Number(r.score), sheetCount: r.sheet_count, roundKey: r.round_key,
    entryId: r.entry_id, projectId: r.project_id, title: r.title, organisationId: r.organisation_id, organisationName: r.organisation_name, amountAskedFen: fen(r.amount_asked_fen),
  }));
  const byTrack: Record<string, typeof items> = {};
  for (const t of c.settings.tracks) byTrack[t.key] = items.filter((i) => i.trackKey === t.key);
  return {
    id: ranking.id as string,
    kind: ranking.kind as string,
    method: ranking.method as string,
    roundKey: roundKey ?? null,
    computedAt: (ranking.computed_at as Date).toISOString(),
    publishedAt: ranking.published_at ? (ranking.published_at as Date).toISOString() : null,
    tieBreak: 'score desc, then smaller amount asked, then earlier entry, then entry id; roadshow finalists above entries eliminated earlier',
    unscoredEntryIds: (ranking.data as { unscored?: string[] }).unscored ?? [],
    overall: items,
    byTrack,
  };
}
