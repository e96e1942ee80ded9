import type { Knex } from 'knex';
import { heartbeat } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { ActivityDeps } from './deps';
import { writeAudit } from '../db/repositories/audit';
import { closeContestTasks, contestTaskKey, fen, rankingRows, type ContestEntryRow, type FundingSource } from '../db/repositories/contests';
import { allocateMatching } from '../workflows/contest-rules/matching';
import { awardContest, getState, leaveContest, type AgreementTerms } from '../workflows/messages';
import { contestIllegal, lockContest, type ContestMoveInput } from './contest-common';

export const MATCHING_SOURCE_NAME = 'Government matching pool (政府配套资金)';

export interface AwardTermsInput {
  startDate: string;
  endDate: string;
  /** Share of each award held back as the final tranche, released after evaluation. */
  finalTranchePercent: number;
}

export interface AwardSummary {
  awardedEntryIds: string[];
  notAwardedEntryIds: string[];
  subscribedFen: number;
  matchingFen: number;
}

const KIND_ORDER: Record<FundingSource['kind'], number> = { cash: 0, goods: 1, services: 2, government: 3 };

/** Who gave what to one entry: one line per funder and kind of support, the matching pool last. */
export function fundingSourcesOf(subs: { funderOrganisationId: string; name: string; kind: 'cash' | 'goods' | 'services'; amountFen: number }[], matchingFen: number): FundingSource[] {
  const lines = new Map<string, FundingSource>();
  for (const s of subs) {
    const key = `${s.funderOrganisationId}|${s.kind}`;
    const line = lines.get(key) ?? { funderOrganisationId: s.funderOrganisationId, name: s.name, kind: s.kind, valueFen: 0 };
    line.valueFen += s.amountFen;
    lines.set(key, line);
  }
  const out = [...lines.values()].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.funderOrganisationId! < b.funderOrganisationId! ? -1 : 1));
  if (matchingFen > 0) out.push({ funderOrganisationId: null, name: MATCHING_SOURCE_NAME, kind: 'government', valueFen: matchingFen });
  return out;
}

/** The agreement an awarded project signs: everything it was given, in a first tranche at the start and a held-back final tranche. */
export function agreementFor(totalFen: number, sources: FundingSource[], terms: AwardTermsInput): AgreementTerms {
  const finalFen = Math.floor((totalFen * terms.finalTranchePercent) / 100);
  const tranches = [
    { name: '首期 (first tranche)', amountFen: totalFen - finalFen, releaseOn: terms.startDate },
    { name: '尾款 (final tranche, after evaluation)', amountFen: finalFen, releaseOn: terms.endDate },
  ].filter((t) => t.amountFen > 0);
  return { amountFen: totalFen, startDate: terms.startDate, endDate: terms.endDate, tranches, fundingSources: sources };
}

async function summaryOf(trx: Knex.Transaction, contestId: string): Promise<AwardSummary> {
  const rows = (await trx('contest_entries').where({ contest_id: contestId }).whereIn('status', ['awarded', 'not_awarded']).orderBy('id').select('id', 'status', 'subscribed_fen', 'matching_fen')) as Pick<ContestEntryRow, 'id' | 'status' | 'subscribed_fen' | 'matching_fen'>[];
  return {
    awardedEntryIds: rows.filter((r) => r.status === 'awarded').map((r) => r.id),
    notAwardedEntryIds: rows.filter((r) => r.status === 'not_awarded').map((r) => r.id),
    subscribedFen: rows.reduce((s, r) => s + fen(r.subscribed_fen), 0),
    matchingFen: rows.reduce((s, r) => s + fen(r.matching_fen), 0),
  };
}

type MoveOutcome = { moved: true } | { moved: false; error: string };

function failureOf(err: unknown): ApplicationFailure | null {
  const cause = err instanceof WorkflowUpdateFailedError ? err.cause : err;
  return cause instanceof ApplicationFailure ? cause : null;
}

export function createContestAwardActivities({ db, temporal, log, clock }: ActivityDeps) {
  /**
   * One project's move, safe to repeat: the update id is deterministic (`award-<contest>-<project>` or
   * `leave-<contest>-<project>`), so the engine answers a repeat with the first outcome; and a refusal because the
   * project already moved (after a continue-as-new forgot the id) is read from the project's state as success.
   */
  async function moveProject(contestId: string, actorId: string, e: ContestEntryRow, reason: string, rescopingDeadline: string | undefined): Promise<MoveOutcome> {
    const handle = temporal.workflow.getHandle(`project-${e.project_id}`);
    const award = e.status === 'awarded';
    try {
      if (award) {
        // With the amount asked, a partial award waits for the applicant to re-scope the budget (or decline).
        const args = { actorId, contestId, agreement: e.agreement as AgreementTerms, amountAskedFen: fen(e.amount_asked_fen), ...(rescopingDeadline ? { rescopingDeadline } : {}) };
        await handle.executeUpdate(awardContest, { args: [args], updateId: `award-${contestId}-${e.project_id}` });
      } else {
        await handle.executeUpdate(leaveContest, { args: [{ actorId, contestId, reason }], updateId: `leave-${contestId}-${e.project_id}` });
      }
      return { moved: true };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { moved: false, error: 'the project workflow is not running' };
      const f = failureOf(err);
      if (!f) throw err; // transient: the activity retries, entries already moved are skipped
      if (f.type === 'IllegalMove' || f.type === 'Conflict') {
        const state = await handle.query(getState);
        const done = award ? state.contestId === contestId && state.stage !== 'in_contest' && state.stage !== 'approved' : state.contestId !== contestId;
        if (done) return { moved: true };
      }
      return { moved: false, error: `${f.type ?? 'refused'}: ${f.message}` };
    }
  }

  return {
    /**
     * Decides the awards in one transaction under the contest row lock, so no subscription can slip in after the
     * pool is allocated (subscriptions hold the row FOR SHARE and check the phase). The matching pool tops entries up
     * by `allocateMatching`'s documented rule; an entry with anything (subscribed or matched) is awarded with its
     * funding sources and agreement kept on the row; every other entry is not awarded and goes back to the library.
     */
    async decideContestAwards(i: ContestMoveInput & AwardTermsInput): Promise<AwardSummary> {
      return db.transaction(async (trx) => {
        const c = await lockContest(trx, i.contestId);
        if (c.phase === 'awarded' || (c.phase === 'closed' && c.awarded_at)) return summaryOf(trx, c.id);
        if (c.phase !== 'funding' || !c.final_ranking_id) throw contestIllegal(c.phase, 'award');

        const entries = (await trx('contest_entries').where({ contest_id: c.id, status: 'entered' }).select('*')) as ContestEntryRow[];
        const byId = new Map(entries.map((e) => [e.id, e]));
        const ranked = (await rankingRows(trx, c.final_ranking_id)).filter((r) => byId.has(r.entry_id));
        const allocations = allocateMatching(
          ranked.map((r) => ({ entryId: r.entry_id, rank: r.rank, amountAskedFen: fen(byId.get(r.entry_id)!.amount_asked_fen), subscribedFen: fen(byId.get(r.entry_id)!.subscribed_fen) })),
          c.settings.matchingPoolFen,
          c.settings.matchingCapPerEntryFen,
        );
        const matching = new Map(allocations.map((a) => [a.entryId, a.matchingFen]));
        const subs = (await trx('contest_subscriptions as s')
          .join('organisations as o', 'o.id', 's.funder_organisation_id')
          .where('s.contest_id', c.id)
          .groupBy('s.entry_id', 's.funder_organisation_id', 'o.name', 's.kind')
          .select('s.entry_id', 's.funder_organisation_id', 'o.name', 's.kind')
          .sum({ amount: 's.amount_fen' })) as { entry_id: string; funder_organisation_id: string; name: string; kind: 'cash' | 'goods' | 'services'; amount: string }[];

        for (const e of entries) {
          const matchingFen = matching.get(e.id) ?? 0;
          const total = fen(e.subscribed_fen) + matchingFen;
          if (total > 0) {
            const sources = fundingSourcesOf(
              subs.filter((s) => s.entry_id === e.id).map((s) => ({ funderOrganisationId: s.funder_organisation_id, name: s.name, kind: s.kind, amountFen: Number(s.amount) })),
              matchingFen,
            );
            await trx('contest_entries').where({ id: e.id }).update({
              status: 'awarded', matching_fen: matchingFen, funding_sources: JSON.stringify(sources), agreement: JSON.stringify(agreementFor(total, sources, i)),
            });
          } else {
            await trx('contest_entries').where({ id: e.id }).update({ status: 'not_awarded', matching_fen: 0 });
          }
        }
        const summary = await summaryOf(trx, c.id);
        await trx('contests').where({ id: c.id }).update({ phase: 'awarded', awarded_at: i.at, updated_at: i.at });
        await writeAudit(trx, {
          actorId: i.actorId, action: 'contest.award', objectType: 'contest', objectId: c.id, before: { phase: c.phase },
          after: { phase: 'awarded', awarded: summary.awardedEntryIds.length, notAwarded: summary.notAwardedEntryIds.length, subscribedFen: summary.subscribedFen, matchingFen: summary.matchingFen },
        });
        await closeContestTasks(trx, c.id, [contestTaskKey(c.id, 'subscribe')], i.at);
        return summary;
      });
    },

    /**
     * Moves up to `batch` decided entries' projects (awarded → delivery with their agreement; not awarded or
     * cancelled → back to approved) and records each outcome on the entry, so a retried or repeated call only
     * does what is left. Ten project updates run at a time.
     */
    async moveContestProjects(i: { contestId: string; actorId: string; reason: string; batch: number }): Promise<{ moved: number; failures: { entryId: string; error: string }[]; remaining: number; totals: { moved: number; failures: { entryId: string; error: string }[] } }> {
      const pending = (await db('contest_entries')
        .where({ contest_id: i.contestId })
        .whereIn('status', ['awarded', 'not_awarded', 'cancelled'])
        .whereNull('project_moved_at')
        .whereNull('project_move_error')
        .orderBy('id')
        .limit(i.batch)) as ContestEntryRow[];
      let moved = 0;
      const failures: { entryId: string; error: string }[] = [];
      let transient: unknown = null;
      let next = 0;
      const settings = pending.length ? ((await db('contests').where({ id: i.contestId }).first('settings')) as { settings: { rescopingDeadline?: string } } | undefined)?.settings : undefined;
      const worker = async () => {
        while (next < pending.length) {
          const e = pending[next++];
          try {
            const outcome = await moveProject(i.contestId, i.actorId, e, i.reason, settings?.rescopingDeadline);
            if (outcome.moved) {
              await db('contest_entries').where({ id: e.id }).update({ project_moved_at: clock() });
              moved++;
            } else {
              await db('contest_entries').where({ id: e.id }).update({ project_move_error: outcome.error });
              failures.push({ entryId: e.id, error: outcome.error });
              log.warn('contest could not move a project', { contestId: i.contestId, entryId: e.id, error: outcome.error });
            }
          } catch (err) {
            transient ??= err;
          }
          heartbeat({ done: next });
        }
      };
      await Promise.all(Array.from({ length: Math.min(10, pending.length) }, worker));
      if (transient) throw transient;
      // Every decided entry's outcome so far, this call's and the earlier ones' (a workflow resuming moves after a
      // failure takes its figures from here, not from calls whose answers it never got).
      const decided = (await db('contest_entries')
        .where({ contest_id: i.contestId })
        .whereIn('status', ['awarded', 'not_awarded', 'cancelled'])
        .orderBy('id')
        .select('id', 'project_moved_at', 'project_move_error')) as Pick<ContestEntryRow, 'id' | 'project_moved_at' | 'project_move_error'>[];
      const remaining = decided.filter((e) => !e.project_moved_at && !e.project_move_error).length;
      const totals = {
        moved: decided.filter((e) => e.project_moved_at).length,
        failures: decided.filter((e) => !e.project_moved_at && e.project_move_error).map((e) => ({ entryId: e.id, error: e.project_move_error! })),
      };
      return { moved, failures, remaining, totals };
    },
  };
}
