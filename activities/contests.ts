import type { Knex } from 'knex';
import type { ActivityDeps } from './deps';
import { writeAudit } from '../db/repositories/audit';
import {
  closeContestTasks, contestTaskKey, fen, openContestTasks, rankingRows,
  type ContestEntryRow, type ContestRoundRow, type ContestRow,
} from '../db/repositories/contests';
import type { ContestPhase } from '../workflows/contest-rules/phases';
import type { ContestSettings } from '../workflows/contest-rules/settings';
import { assignJudges } from '../workflows/contest-rules/judge-assignment';
import { normaliseScores, ScoreSheetError } from '../workflows/contest-rules/normalise';
import { rankEntries, type RankedEntry } from '../workflows/contest-rules/ranking';
import { composeFinalRanking } from '../workflows/contest-rules/final-ranking';
import { createContestAwardActivities } from './contest-awards';
import { contestBusinessRule, contestIllegal, lockContest, type ContestMoveInput, type RoundTimes } from './contest-common';
import { msg } from '../i18n/message';
import { violation } from '../workflows/rules/violations';
import { sharedTimeZone } from '../db/repositories/programmes';

export type { ContestMoveInput, RoundTimes } from './contest-common';

async function setPhase(trx: Knex.Transaction, c: ContestRow, phase: ContestPhase, at: string, actorId: string | null, move: string, extra: Record<string, unknown> = {}): Promise<void> {
  await trx('contests').where({ id: c.id }).update({ phase, updated_at: at, ...extra });
  await writeAudit(trx, { actorId, action: `contest.${move}`, objectType: 'contest', objectId: c.id, before: { phase: c.phase }, after: { phase, ...extra } });
}

/** The organiser who runs the contest (their inbox names them); failing that, organisers of its region. */
const organisers = (c: ContestRow) => (c.created_by ? { userId: c.created_by } : { role: 'organiser', regionPath: c.region_path });

interface RoundEntry {
  id: string;
  organisation_id: string;
  project_id: string;
  title: string;
}

/**
 * Opens round `index`: the entries it judges (all entered ones for the first round; the top N of each track of the
 * previous round for a roadshow), judges assigned with balanced load and never across a conflict of interest, one
 * inbox task per judge. All or nothing: an entry no conflict-free judge set can cover refuses the whole round.
 */
async function openRound(trx: Knex.Transaction, c: ContestRow, index: number, times: RoundTimes, actorId: string | null): Promise<{ entries: number; assignments: number }> {
  const existing = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: c.id, round_index: index }).first();
  if (existing) {
    const n = await trx('contest_assignments').where({ round_id: existing.id, status: 'assigned' }).first(trx.raw('count(distinct entry_id) as entries'), trx.raw('count(*) as assignments'));
    return { entries: Number(n?.entries ?? 0), assignments: Number(n?.assignments ?? 0) };
  }
  const round = c.settings.rounds[index];
  const base = trx('contest_entries as e').join('projects as p', 'p.id', 'e.project_id').select('e.id', 'e.organisation_id', 'e.project_id', 'p.title');
  let entries: RoundEntry[];
  if (index === 0) {
    entries = await base.where({ 'e.contest_id': c.id, 'e.status': 'entered' }).orderBy('e.id');
  } else {
    const prev = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: c.id, round_index: index - 1 }).first();
    if (!prev?.ranking_id) throw contestIllegal(c.phase, 'closeRound');
    entries = await base
      .join('contest_ranking_entries as r', 'r.entry_id', 'e.id')
      .where('r.ranking_id', prev.ranking_id)
      .where('r.track_rank', '<=', round.topNPerTrack ?? 0)
      .where('e.status', 'entered')
      .orderBy('e.id');
  }
  if (entries.length === 0) {
    throw contestBusinessRule([violation('/entries', 'round-has-entries', 'rule.contest.round-has-entries', { round: round.key })]);
  }

  const judges = (await trx('contest_judges as j')
    .join('users as u', 'u.id', 'j.user_id')
    .where({ 'j.contest_id': c.id, 'u.disabled': false })
    .select('u.id', 'u.organisation_id')) as { id: string; organisation_id: string | null }[];
  const conflicts = judges.length
    ? ((await trx('conflict_declarations').whereIn('user_id', judges.map((j) => j.id)).select('user_id', 'organisation_id')) as { user_id: string; organisation_id: string }[])
    : [];
  const loadRows = (await trx('contest_assignments').where({ contest_id: c.id, status: 'assigned' }).groupBy('judge_id').select('judge_id').count({ n: '*' })) as { judge_id: string; n: string }[];
  const result = assignJudges(
    entries.map((e) => ({ entryId: e.id, organisationId: e.organisation_id })),
    judges.map((j) => ({
      judgeId: j.id,
      organisationIds: j.organisation_id ? [j.organisation_id] : [],
      conflictOrganisationIds: conflicts.filter((x) => x.user_id === j.id).map((x) => x.organisation_id),
    })),
    round.judgesPerEntry,
    Object.fromEntries(loadRows.map((r) => [r.judge_id, Number(r.n)])),
  );
  if ('uncoverable' in result) {
    const byId = new Map(entries.map((e) => [e.id, e]));
    const uncoverable = result.uncoverable.map((u) => ({ entryId: u.entryId, projectId: byId.get(u.entryId)!.project_id, title: byId.get(u.entryId)!.title, eligibleJudges: u.eligibleJudges }));
    throw contestBusinessRule(
      uncoverable.map((u) => violation(`/entries/${u.entryId}`, 'judges-free-of-conflict', 'rule.contest.judges-free-of-conflict', { title: u.title, eligible: u.eligibleJudges, round: round.key, needed: round.judgesPerEntry })),
      { uncoverable, judgesPerEntry: round.judgesPerEntry },
      msg('problem.business-rule.uncoverable', { count: uncoverable.length, judges: round.judgesPerEntry, titles: uncoverable.map((u) => u.title).join(', ') }),
    );
  }

  const [roundRow] = await trx<ContestRoundRow>('contest_rounds')
    .insert({ contest_id: c.id, round_index: index, round_key: round.key, kind: round.kind, opened_at: new Date(times.openedAt), deadline_at: new Date(times.deadlineAt), remind_at: times.remindAt ? new Date(times.remindAt) : null })
    .returning('*');
  const rows = result.assignments.map((a) => ({ round_id: roundRow.id, entry_id: a.entryId, judge_id: a.judgeId, contest_id: c.id, status: 'assigned', due_at: times.deadlineAt, assigned_at: times.openedAt }));
  for (let i = 0; i < rows.length; i += 1000) await trx('contest_assignments').insert(rows.slice(i, i + 1000));

  const perJudge = new Map<string, number>();
  for (const a of result.assignments) perJudge.set(a.judgeId, (perJudge.get(a.judgeId) ?? 0) + 1);
  await openContestTasks(
    trx, c.id,
    [...perJudge].map(([judgeId, n]) => ({
      key: contestTaskKey(c.id, 'score', round.key, judgeId), userId: judgeId, kind: 'contest_score',
      title: msg('task.contest.score', { count: n, contest: c.name, round: round.name }), dueAt: times.deadlineAt,
    })),
    times.openedAt,
  );
  await closeContestTasks(trx, c.id, [contestTaskKey(c.id, 'screen')], times.openedAt);
  await setPhase(trx, c, 'judging', times.openedAt, actorId, index === 0 ? 'startJudging' : 'openRound', { current_round: index });
  return { entries: entries.length, assignments: rows.length };
}

function toRanked(rows: { entry_id: string; track_key: string; score: string | number; rank: number; track_rank: number }[]): RankedEntry[] {
  return rows.map((r) => ({ entryId: r.entry_id, trackKey: r.track_key, score: Number(r.score), rank: r.rank, trackRank: r.track_rank }));
}

async function insertRanking(
  trx: Knex.Transaction,
  c: ContestRow,
  opts: { kind: 'round' | 'final'; roundId: string | null; at: string; data: Record<string, unknown> },
  rows: { entryId: string; rank: number; trackKey: string; trackRank: number; score: number; sheetCount: number; roundKey: string }[],
): Promise<string> {
  const [ranking] = await trx('contest_rankings')
    .insert({ contest_id: c.id, round_id: opts.roundId, kind: opts.kind, method: c.settings.normalisation, data: JSON.stringify(opts.data), computed_at: opts.at })
    .returning('id');
  const values = rows.map((r) => ({ ranking_id: ranking.id, entry_id: r.entryId, rank: r.rank, track_key: r.trackKey, track_rank: r.trackRank, score: r.score, sheet_count: r.sheetCount, round_key: r.roundKey }));
  for (let i = 0; i < values.length; i += 1000) await trx('contest_ranking_entries').insert(values.slice(i, i + 1000));
  return ranking.id as string;
}

export function createContestActivities(deps: ActivityDeps) {
  const { db, log } = deps;

  return {
    ...createContestAwardActivities(deps),

    async openContestEntries(i: ContestMoveInput): Promise<{ settings: ContestSettings; entriesCloseAt: string | null }> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase === 'draft') {
          if (c.entries_close_at && c.entries_close_at.getTime() <= new Date(i.at).getTime()) {
            const timeZone = await sharedTimeZone(trx, c.programme_ids);
            throw contestBusinessRule([violation('/entriesCloseAt', 'entries-close-in-future', 'rule.contest.entries-close-in-future', { closedAt: c.entries_close_at.toISOString(), timeZone })]);
          }
          await setPhase(trx, c, 'open', i.at, i.actorId, 'openEntries');
        } else if (c.phase !== 'open') {
          throw contestIllegal(c.phase, 'openEntries');
        }
        return { settings: c.settings, entriesCloseAt: c.entries_close_at ? c.entries_close_at.toISOString() : null };
      });
    },

    async closeContestEntries(i: ContestMoveInput): Promise<{ entries: number }> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase === 'open') {
          await setPhase(trx, c, 'screening', i.at, i.actorId, 'closeEntries');
        } else if (c.phase !== 'screening') {
          throw contestIllegal(c.phase, 'closeEntries');
        }
        const n = Number((await trx('contest_entries').where({ contest_id: c.id, status: 'entered' }).count({ n: '*' }).first())?.n ?? 0);
        await openContestTasks(trx, c.id, [{ key: contestTaskKey(c.id, 'screen'), ...organisers(c), kind: 'contest_screening', title: msg('task.contest.screen', { contest: c.name, count: n }), dueAt: null }], i.at);
        return { entries: n };
      });
    },

    async openContestRound(i: ContestMoveInput & { roundIndex: number; times: RoundTimes }): Promise<{ entries: number; assignments: number }> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase !== 'screening' && !(c.phase === 'judging' && c.current_round === i.roundIndex)) throw contestIllegal(c.phase, 'startJudging');
        return openRound(trx, c, i.roundIndex, i.times, i.actorId);
      });
    },

    /**
     * Freezes the round: its row is locked FOR UPDATE (score submissions hold it FOR SHARE and check closed_at, so a
     * racing sheet is wholly in or refused), closed_at is stamped with clock_timestamp() after the lock is granted,
     * and the ranking is computed from exactly the sheets committed before. The last round also composes the final
     * ranking; an earlier one opens the next round in the same transaction, so a round that cannot be covered
     * leaves the previous one open and nothing changed.
     */
    async closeContestRound(i: ContestMoveInput & { roundIndex: number; allowMissing: boolean; next: RoundTimes | null }): Promise<{ closedAt: string; rankingId: string; finalRankingId: string | null }> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        const round = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: c.id, round_index: i.roundIndex }).forUpdate().first();
        if (!round) throw contestIllegal(c.phase, 'closeRound');
        if (round.closed_at && round.ranking_id) {
          return { closedAt: round.closed_at.toISOString(), rankingId: round.ranking_id, finalRankingId: c.final_ranking_id };
        }
        const settingsRound = c.settings.rounds[i.roundIndex];
        const isLast = i.roundIndex === c.settings.rounds.length - 1;

        if (!i.allowMissing) {
          const missing = (await trx('contest_assignments as a')
            .leftJoin('contest_scores as s', function () {
              this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
            })
            .where({ 'a.round_id': round.id, 'a.status': 'assigned' })
            .whereNull('s.round_id')
            .orderBy(['a.entry_id', 'a.judge_id'])
            .select('a.entry_id as entryId', 'a.judge_id as judgeId')) as { entryId: string; judgeId: string }[];
          if (missing.length) {
            throw contestBusinessRule(
              [violation('/body/allowMissing', 'scores-complete', 'rule.contest.scores-complete', { count: missing.length, round: settingsRound.key })],
              { missing: missing.slice(0, 500), missingCount: missing.length },
            );
          }
        }

        const [closed] = await trx('contest_rounds').where({ id: round.id }).update({ closed_at: trx.raw('clock_timestamp()') }).returning('closed_at');
        const closedAt = (closed.closed_at as Date).toISOString();

        const sheets = (await trx('contest_scores as s')
          .join('contest_assignments as a', function () {
            this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
          })
          .where({ 's.round_id': round.id, 'a.status': 'assigned' })
          .select('s.entry_id', 's.judge_id', 's.scores')) as { entry_id: string; judge_id: string; scores: Record<string, number> }[];
        const roundEntries = (await trx('contest_entries as e')
          .whereIn('e.id', trx('contest_assignments').where({ round_id: round.id, status: 'assigned' }).distinct('entry_id'))
          .select('e.id', 'e.track_key', 'e.amount_asked_fen', 'e.created_at')) as Pick<ContestEntryRow, 'id' | 'track_key' | 'amount_asked_fen' | 'created_at'>[];

        let scores;
        try {
          scores = normaliseScores(c.settings.normalisation, settingsRound.criteria, sheets.map((s) => ({ entryId: s.entry_id, judgeId: s.judge_id, scores: s.scores })));
        } catch (err) {
          if (err instanceof ScoreSheetError) throw contestBusinessRule(err.violations);
          throw err;
        }
        const byId = new Map(roundEntries.map((e) => [e.id, e]));
        const ranking = rankEntries(
          [...scores.values()].map((s) => {
            const e = byId.get(s.entryId)!;
            return { entryId: s.entryId, trackKey: e.track_key, score: s.score, amountAskedFen: fen(e.amount_asked_fen), submittedAt: e.created_at.toISOString() };
          }),
        );
        const unscored = roundEntries.filter((e) => !scores.has(e.id)).map((e) => e.id).sort();
        const rankingId = await insertRanking(
          trx, c,
          { kind: 'round', roundId: round.id, at: closedAt, data: { roundKey: settingsRound.key, roundIndex: i.roundIndex, method: c.settings.normalisation, entries: ranking.overall.length, unscored } },
          ranking.overall.map((r) => ({ ...r, sheetCount: scores.get(r.entryId)!.sheetCount, roundKey: settingsRound.key })),
        );
        await trx('contest_rounds').where({ id: round.id }).update({ ranking_id: rankingId });
        await closeContestTasks(trx, c.id, ['score', 'remind', 'missing'].map((k) => contestTaskKey(c.id, k, settingsRound.key, '')), closedAt);
        await writeAudit(trx, { actorId: i.actorId, action: 'contest.closeRound', objectType: 'contest', objectId: c.id, after: { round: settingsRound.key, rankingId, sheets: sheets.length, unscored: unscored.length } });

        let finalRankingId: string | null = null;
        if (isLast) {
          const rounds = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: c.id }).whereNot({ id: round.id }).orderBy('round_index');
          const earlier: RankedEntry[][] = [];
          for (const r of rounds) earlier.push(r.ranking_id ? toRanked(await rankingRows(trx, r.ranking_id)) : []);
          const final = composeFinalRanking([...earlier, ranking.overall]);
          const sheetCounts = new Map<string, number>();
          for (const r of rounds) if (r.ranking_id) for (const row of await rankingRows(trx, r.ranking_id)) sheetCounts.set(`${r.round_index}:${row.entry_id}`, row.sheet_count);
          for (const s of scores.values()) sheetCounts.set(`${i.roundIndex}:${s.entryId}`, s.sheetCount);
          finalRankingId = await insertRanking(
            trx, c,
            { kind: 'final', roundId: null, at: closedAt, data: { method: c.settings.normalisation, rounds: c.settings.rounds.map((r) => r.key), entries: final.overall.length, unscored } },
            final.overall.map((r) => ({ ...r, sheetCount: sheetCounts.get(`${r.roundIndex}:${r.entryId}`) ?? 0, roundKey: c.settings.rounds[r.roundIndex].key })),
          );
          await setPhase(trx, c, 'results', closedAt, i.actorId, 'closeRound', { final_ranking_id: finalRankingId });
          await openContestTasks(trx, c.id, [{ key: contestTaskKey(c.id, 'publish'), ...organisers(c), kind: 'contest_publish', title: msg('task.contest.publish', { contest: c.name }), dueAt: null }], closedAt);
        } else {
          if (!i.next) throw contestIllegal(c.phase, 'closeRound');
          await openRound(trx, c, i.roundIndex + 1, i.next, i.actorId);
        }
        return { closedAt, rankingId, finalRankingId };
      });
    },

    /** Before the deadline: a reminder to each judge who still has sheets to score in the round. */
    async remindContestJudges(i: { contestId: string; roundIndex: number; at: string }): Promise<{ reminded: number }> {
      return db.transaction(async (trx) => {
        const c = await trx<ContestRow>('contests').where({ id: i.contestId }).first();
        const round = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: i.contestId, round_index: i.roundIndex }).first();
        if (!c || !round || round.closed_at) return { reminded: 0 };
        const pending = await missingByJudge(trx, round.id);
        const timeZone = await sharedTimeZone(trx, c.programme_ids);
        await openContestTasks(
          trx, c.id,
          pending.map((p) => ({
            key: contestTaskKey(c.id, 'remind', round.round_key, p.judgeId), userId: p.judgeId, kind: 'contest_score_reminder',
            title: msg('task.contest.score-reminder', { count: p.missing, contest: c.name, deadline: round.deadline_at.toISOString(), timeZone }), dueAt: round.deadline_at,
          })),
          i.at,
        );
        return { reminded: pending.length };
      });
    },

    /** At the deadline: one task for the contest's organisers naming every judge with sheets missing, so they can reassign. */
    async notifyContestDeadline(i: { contestId: string; roundIndex: number; at: string }): Promise<{ judgesMissing: number }> {
      return db.transaction(async (trx) => {
        const c = await trx<ContestRow>('contests').where({ id: i.contestId }).first();
        const round = await trx<ContestRoundRow>('contest_rounds').where({ contest_id: i.contestId, round_index: i.roundIndex }).first();
        if (!c || !round || round.closed_at) return { judgesMissing: 0 };
        const pending = await missingByJudge(trx, round.id);
        if (pending.length === 0) return { judgesMissing: 0 };
        const sheets = pending.reduce((s, p) => s + p.missing, 0);
        const names = pending.map((p) => `${p.name} (${p.missing})`).join(', ');
        await openContestTasks(
          trx, c.id,
          [{
            key: contestTaskKey(c.id, 'missing', round.round_key, 'organiser'), ...organisers(c), kind: 'contest_judges_missing',
            title: msg('task.contest.judges-missing', { contest: c.name, round: round.round_key, sheets, judges: pending.length, names }),
            dueAt: null,
          }],
          i.at,
        );
        log.info('contest judges missing the deadline', { contestId: c.id, round: round.round_key, judges: pending.map((p) => p.judgeId) });
        return { judgesMissing: pending.length };
      });
    },

    async publishContestRanking(i: ContestMoveInput): Promise<{ publishedAt: string; rankingId: string }> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase === 'funding' && c.published_at && c.final_ranking_id) return { publishedAt: c.published_at.toISOString(), rankingId: c.final_ranking_id };
        if (c.phase !== 'results' || !c.final_ranking_id) throw contestIllegal(c.phase, 'publishRanking');
        await trx('contest_rankings').where({ id: c.final_ranking_id }).update({ published_at: i.at });
        await setPhase(trx, c, 'funding', i.at, i.actorId, 'publishRanking', { published_at: i.at });
        await closeContestTasks(trx, c.id, [contestTaskKey(c.id, 'publish')], i.at);
        await openFunderTasksOnPublication(trx, c, i.at);
        return { publishedAt: i.at, rankingId: c.final_ranking_id };
      });
    },

    async closeContestRecord(i: ContestMoveInput): Promise<void> {
      await db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase === 'closed') return;
        if (c.phase !== 'awarded') throw contestIllegal(c.phase, 'close');
        await setPhase(trx, c, 'closed', i.at, i.actorId, 'close', { closed_at: i.at });
        await closeContestTasks(trx, c.id, [contestTaskKey(c.id, '')], i.at);
      });
    },

    /** Cancelling before judging: every entry is cancelled (its project then goes back to the library); the contest keeps when and why. */
    async cancelContestRecord(i: ContestMoveInput & { reason: string }): Promise<{ entries: number }> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase !== 'closed') {
          if (!['draft', 'open', 'screening'].includes(c.phase)) throw contestIllegal(c.phase, 'cancel');
          await trx('contest_entries').where({ contest_id: c.id, status: 'entered' }).update({ status: 'cancelled', reason: i.reason, withdrawn_at: i.at });
          await setPhase(trx, c, 'closed', i.at, i.actorId, 'cancel', { closed_at: i.at, cancelled_at: i.at, cancel_reason: i.reason });
          await closeContestTasks(trx, c.id, [contestTaskKey(c.id, '')], i.at);
        }
        const n = await trx('contest_entries').where({ contest_id: c.id, status: 'cancelled' }).count({ n: '*' }).first();
        return { entries: Number(n?.n ?? 0) };
      });
    },
  };
}

/** Judges with assigned sheets still unscored in a round, with how many. */
export async function missingByJudge(trx: Knex | Knex.Transaction, roundId: string): Promise<{ judgeId: string; name: string; missing: number }[]> {
  const rows = (await trx('contest_assignments as a')
    .join('users as u', 'u.id', 'a.judge_id')
    .leftJoin('contest_scores as s', function () {
      this.on('s.round_id', 'a.round_id').andOn('s.entry_id', 'a.entry_id').andOn('s.judge_id', 'a.judge_id');
    })
    .where({ 'a.round_id': roundId, 'a.status': 'assigned' })
    .whereNull('s.round_id')
    .groupBy('a.judge_id', 'u.display_name')
    .orderBy('a.judge_id')
    .select('a.judge_id', 'u.display_name')
    .count({ n: '*' })) as { judge_id: string; display_name: string; n: string }[];
  return rows.map((r) => ({ judgeId: r.judge_id, name: r.display_name, missing: Number(r.n) }));
}

/**
 * The ranking is published: each funder of the contest (every organisation that has pledged) gets a task in its
 * funders' inbox to subscribe (认购) entries from its pledges. Keyed per contest and organisation, so a retried
 * activity opens none twice; the award closes them.
 */
async function openFunderTasksOnPublication(trx: Knex.Transaction, c: { id: string; name: string }, at: string): Promise<void> {
  const funders = (await trx('contest_pledges').where({ contest_id: c.id }).distinct('funder_organisation_id')) as { funder_organisation_id: string }[];
  await openContestTasks(
    trx, c.id,
    funders.map((f) => ({
      key: contestTaskKey(c.id, 'subscribe', f.funder_organisation_id), role: 'funder', organisationId: f.funder_organisation_id, kind: 'contest_subscribe',
      title: msg('task.contest.subscribe', { contest: c.name }), dueAt: null,
    })),
    at,
  );
}
